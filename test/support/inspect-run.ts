/** Runs an inspection in-process and returns its findings as compact, comparable rows. */
import { inspect } from '../../core/inspect/inspect.ts';
import { allFindings, type Finding } from '../../core/check/findings.ts';
import type { LayoutSource } from '../../core/volume/resolve.ts';

export async function inspectFindings(bricks: string[], layout: LayoutSource = {}, db: string | null = null): Promise<Finding[]> {
  const result = await inspect({ bricks, db, resume: false, layout, jobs: 8 });
  try {
    return [...allFindings(result.catalog)];
  } finally {
    result.catalog.close();
  }
}

/** `CODE b<i> <path or gfid>`: which brick, by its index in `bricks`, and where. */
export function compact(findings: Finding[], bricks: string[]): string[] {
  return findings.map((f) => {
    const i = f.brick === null ? -1 : bricks.findIndex((b) => f.brick === b);
    return `${f.code} ${i < 0 ? 'set' : `b${i}`} ${f.path ?? f.gfid}`;
  }).sort();
}
