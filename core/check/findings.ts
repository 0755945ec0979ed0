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

export interface CodeGroup { code: ProblemCode; severity: Severity; count: number; examples: Finding[] }

const SEVERITY_ORDER = `CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END`;

/** Findings grouped by code, most severe first, with the first few examples of each. */
export function findingsByCode(catalog: Catalog, examples: number): CodeGroup[] {
  const groups = catalog.db.prepare(`SELECT code, severity, COUNT(*) AS count, MIN(id) AS first FROM findings
    GROUP BY code ORDER BY ${SEVERITY_ORDER}, first`).all() as Array<{ code: ProblemCode; severity: Severity; count: number }>;
  const sample = catalog.db.prepare(`${SELECT} WHERE f.code = ? ORDER BY f.id LIMIT ?`);
  return groups.map((g) => ({ ...g, examples: (sample.all(g.code, examples) as FindingRow[]).map(toFinding) }));
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
