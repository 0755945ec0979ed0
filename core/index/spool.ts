/**
 * Lines a report prints only after the pass that produces them (grouped, or after a
 * header known at the end), kept in a temporary table of the catalog rather than in
 * memory: a volume may have millions of entries to report.
 */
import type { Db } from './catalog.ts';

let spools = 0;

export class LineSpool {
  private readonly table = `gfsck_spool_${++spools}`;
  private readonly insert;

  constructor(private readonly db: Db) {
    db.exec(`CREATE TEMP TABLE ${this.table} (seq INTEGER PRIMARY KEY, grp INTEGER NOT NULL, line TEXT NOT NULL)`);
    this.insert = db.prepare(`INSERT INTO ${this.table} (grp, line) VALUES (?, ?)`);
  }

  add(group: number, line: string): void {
    this.insert.run(group, line);
  }

  /** One group's lines, in the order they were added. */
  *lines(group: number): IterableIterator<string> {
    yield* this.db.prepare(`SELECT line FROM ${this.table} WHERE grp = ? ORDER BY seq`).pluck().iterate(group) as IterableIterator<string>;
  }

  count(group: number): number {
    return this.db.prepare(`SELECT COUNT(*) FROM ${this.table} WHERE grp = ?`).pluck().get(group) as number;
  }

  close(): void {
    this.db.exec(`DROP TABLE ${this.table}`);
  }
}
