/** Reading findings back out of the catalog, for reports. */
import type { Catalog } from '../index/catalog.ts';
import { escapeName } from '../fs/names.ts';
import { PROBLEMS, type ProblemCode, type Severity } from './problems.ts';

export interface Finding {
  code: ProblemCode;
  severity: Severity;
  brick: string | null;
  path: string | null;
  gfid: string | null;
  message: string;
  fix: string;
  fixBy: string;
  detail: unknown;
}

interface FindingRow { id: number; code: ProblemCode; severity: Severity; root: Buffer | null; path: Buffer | null; gfid: string | null; message: string; fix: string; detail: string | null }

const SELECT = `SELECT f.id, f.code, f.severity, b.root, f.path, f.gfid, f.message, f.fix, f.detail
  FROM findings f LEFT JOIN bricks b ON b.id = f.brick_id`;

function toFinding(r: FindingRow): Finding {
  return {
    code: r.code, severity: r.severity, brick: r.root ? escapeName(r.root) : null, path: r.path ? escapeName(r.path) : null,
    gfid: r.gfid, message: r.message, fix: r.fix, fixBy: PROBLEMS[r.code].fixBy, detail: r.detail ? JSON.parse(r.detail) : null,
  };
}

/** Every finding in the order found, a page at a time. */
export function* allFindings(catalog: Catalog): Generator<Finding> {
  const stmt = catalog.db.prepare(`${SELECT} WHERE f.id > ? ORDER BY f.id LIMIT 1000`);
  let after = 0;
  for (;;) {
    const rows = stmt.all(after) as FindingRow[];
    for (const r of rows) yield toFinding(r);
    if (rows.length < 1000) return;
    after = rows[rows.length - 1]!.id;
  }
}

/** One entry's findings of one code: the same fact, found on one brick or several. */
export interface EntryFindings { path: string | null; gfid: string | null; findings: Finding[] }

export interface CodeGroup {
  code: ProblemCode;
  severity: Severity;
  /** Distinct entries (gfid and path) with this finding. */
  entries: number;
  /** Findings, one per brick it was found on (or one for the set). */
  findings: number;
  /** The first entries found, each with all its findings, in brick order. */
  examples: EntryFindings[];
}

const SEVERITY_ORDER = `CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END`;

/** Findings grouped by code, most severe first, and within a code by entry, with the first few entries. */
export function findingsByCode(catalog: Catalog, examples: number): CodeGroup[] {
  const groups = catalog.db.prepare(`SELECT code, severity, COUNT(*) AS entries, SUM(n) AS findings, MIN(first) AS first
    FROM (SELECT code, severity, COUNT(*) AS n, MIN(id) AS first FROM findings GROUP BY code, severity, gfid, path)
    GROUP BY code ORDER BY ${SEVERITY_ORDER}, first`).all() as Array<Omit<CodeGroup, 'examples'>>;
  const firstEntries = catalog.db.prepare(`SELECT '[' || group_concat(id) || ']' FROM findings WHERE code = ?
    GROUP BY gfid, path ORDER BY MIN(id) LIMIT ?`).pluck();
  const ofEntry = catalog.db.prepare(`${SELECT} WHERE f.id IN (SELECT value FROM json_each(?)) ORDER BY b.position, f.id`);
  return groups.map(({ code, severity, entries, findings }) => ({
    code, severity, entries, findings,
    examples: (firstEntries.all(code, examples) as string[]).map((ids) => {
      const found = (ofEntry.all(ids) as FindingRow[]).map(toFinding);
      return { path: found[0]!.path, gfid: found[0]!.gfid, findings: found };
    }),
  }));
}

/** How many distinct entries (gfid and path) have any finding. */
export function entriesWithFindings(catalog: Catalog): number {
  return catalog.db.prepare(`SELECT COUNT(*) FROM (SELECT 1 FROM findings GROUP BY gfid, path)`).pluck().get() as number;
}

export interface BrickSummary {
  position: number; root: string; set: number; member: number; entries: number; handles: number; pendingHeals: number;
  errors: number; warnings: number;
}

export function brickSummaries(catalog: Catalog): BrickSummary[] {
  return (catalog.db.prepare(`SELECT b.position, b.root, b.set_index AS "set", b.set_member AS member,
      (SELECT COUNT(*) FROM entries e WHERE e.brick_id = b.id) AS entries,
      (SELECT COUNT(*) FROM handles h WHERE h.brick_id = b.id) AS handles,
      (SELECT COUNT(*) FROM heal_index i WHERE i.brick_id = b.id) AS pendingHeals,
      (SELECT COUNT(*) FROM findings f WHERE f.brick_id = b.id AND f.severity = 'error') AS errors,
      (SELECT COUNT(*) FROM findings f WHERE f.brick_id = b.id AND f.severity = 'warning') AS warnings
    FROM bricks b ORDER BY b.position`).all() as Array<BrickSummary & { root: Buffer }>)
    .map((r) => ({ ...r, root: escapeName(r.root) }));
}
