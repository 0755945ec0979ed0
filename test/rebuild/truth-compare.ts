/**
 * Compares a recovered directory with a fixture's truth.json: every entry's type, size,
 * content hash, symlink target, mode and hard-link group, and nothing more or less.
 */
import { hashTree, type TreeEntry } from '../cluster/hash-tree.ts';
import type { TruthEntry } from '../cluster/truth.ts';

type Comparable = Pick<TruthEntry, 'path' | 'type' | 'size' | 'sha256' | 'target' | 'mode' | 'linkGroup'>;

function comparable(e: Comparable): string {
  return JSON.stringify([e.path, e.type, e.size, e.sha256 ?? null, e.target ?? null, e.mode.toString(8), e.linkGroup ?? null]);
}

/** Lines that differ: `- expected` for truth entries not recovered as they were, `+ found` for the rest. */
export async function diffWithTruth(outDir: string, truth: TruthEntry[]): Promise<string[]> {
  const found = (await hashTree(outDir)).map((e: TreeEntry) => comparable(e));
  const expected = truth.map(comparable);
  const foundSet = new Set(found);
  const expectedSet = new Set(expected);
  return [...expected.filter((e) => !foundSet.has(e)).map((e) => `- ${e}`), ...found.filter((e) => !expectedSet.has(e)).map((e) => `+ ${e}`)];
}
