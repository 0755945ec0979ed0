/** What every check pass gets: the catalog, the bricks and their sets, and a place to report. */
import type { Db, BrickRow } from '../index/catalog.ts';
import type { BrickSet, VolumeLayout } from '../volume/layout.ts';
import { PROBLEMS, formatMessage, type ProblemCode } from './problems.ts';
import { escapeName } from '../fs/names.ts';
import { brickLabel } from '../volume/copies.ts';

export interface FindingInput {
  brick?: BrickRow | null;
  path?: Buffer | null;
  gfid?: string | null;
  vars?: Record<string, string | number>;
  detail?: unknown;
}

export class CheckContext {
  private readonly insert;
  private readonly byId: Map<number, BrickRow>;

  constructor(
    readonly db: Db,
    readonly bricks: BrickRow[],
    readonly sets: BrickSet[],
    readonly layout: VolumeLayout,
  ) {
    this.byId = new Map(bricks.map((b) => [b.id, b]));
    this.insert = db.prepare(`INSERT INTO findings (code, severity, brick_id, path, gfid, message, fix, detail)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  }

  brick(id: number): BrickRow {
    return this.byId.get(id)!;
  }

  /** How set-level messages name a brick: its position in volume order, as the report's brick table lists it. */
  brickName(b: BrickRow): string {
    return brickLabel(b.position);
  }

  report(code: ProblemCode, f: FindingInput): void {
    const problem = PROBLEMS[code];
    const vars = { path: f.path ? escapeName(f.path) : '?', gfid: f.gfid ?? '?', ...f.vars };
    this.insert.run(code, problem.severity, f.brick?.id ?? null, f.path ?? null, f.gfid ?? null,
      formatMessage(problem.message, vars), formatMessage(problem.fix, vars),
      f.detail === undefined ? null : JSON.stringify(f.detail));
  }

  /**
   * Reads a query in pages keyed on `id`, so passes can run other statements (and report)
   * between rows, which an open better-sqlite3 iterator forbids. The SQL must select `id`,
   * filter on `id > @after`, order by id and end with `LIMIT @limit`. Write other filters so
   * they cannot use an index (`+brick_id = @brick`): the rowid range must drive the scan, or
   * every page re-reads the brick from its start.
   */
  *pages<T extends { id: number }>(sql: string, params: Record<string, unknown> = {}, pageSize = 2000): Generator<T> {
    const stmt = this.db.prepare(sql);
    let after = 0;
    for (;;) {
      const rows = stmt.all({ ...params, after, limit: pageSize }) as T[];
      for (const row of rows) yield row;
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1]!.id;
    }
  }
}

export type Pass = (ctx: CheckContext) => void;
