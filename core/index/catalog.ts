/**
 * The SQLite catalog: every entry, handle and index entry of the scanned bricks, on disk,
 * so bricks with millions of entries cost disk rather than memory, and an interrupted scan
 * can resume. Without --db it lives in a temp file removed when the catalog is closed.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GfsckError } from '../errors.ts';
import { SCHEMA, SCHEMA_VERSION } from './schema.ts';

export type Db = Database.Database;

export interface BrickRow {
  id: number;
  position: number;
  root: Buffer;
  set_index: number;
  set_member: number;
  volume_id: string | null;
  state: 'new' | 'scanning' | 'complete';
  scan_gen: number;
  handles_done: number;
}

export class Catalog {
  readonly db: Db;
  private readonly tempDir: string | null;

  private constructor(db: Db, tempDir: string | null) {
    this.db = db;
    this.tempDir = tempDir;
  }

  static open(path: string | null): Catalog {
    const tempDir = path ? null : mkdtempSync(join(tmpdir(), 'gfsck-'));
    const file = path ?? join(tempDir!, 'catalog.db');
    let db: Db;
    try {
      db = new Database(file);
      // A kept catalog (--db) must survive a kill to resume: WAL, and admins may query it
      // meanwhile. A temp one dies with the process and has one user: its pages are written
      // once, in place, and no transaction takes a file lock or checks for other writers.
      if (path) {
        db.pragma('journal_mode = WAL');
      } else {
        db.pragma('journal_mode = MEMORY');
        db.pragma('locking_mode = EXCLUSIVE');
      }
      // Derived data: a killed process leaves a consistent WAL, and after a power loss a
      // rescan rebuilds what was lost, so commits need not wait for fsync.
      db.pragma('synchronous = OFF');
      db.pragma('foreign_keys = ON');
      // Bounded memory whatever the brick size: a 16 MiB page cache, sorts and temp B-trees on disk.
      db.pragma('cache_size = -16384');
      db.pragma('temp_store = FILE');
      db.exec(SCHEMA);
    } catch (e) {
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
      throw new GfsckError('operational', `cannot open catalog ${file}: ${(e as Error).message}`);
    }
    const version = db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get() as string | undefined;
    if (version === undefined) {
      db.prepare(`INSERT INTO meta (key, value) VALUES ('schema_version', ?)`).run(String(SCHEMA_VERSION));
    } else if (Number(version) !== SCHEMA_VERSION) {
      db.close();
      throw new GfsckError('operational', `catalog ${file} has schema ${version}, this gfsck writes ${SCHEMA_VERSION}: use a new --db file`);
    }
    return new Catalog(db, tempDir);
  }

  close(): void {
    if (this.db.open) this.db.close();
    if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
  }

  /** Registers the bricks in volume order; a catalog is tied to one ordered brick list. */
  registerBricks(bricks: Array<{ root: Buffer; setIndex: number; setMember: number }>): BrickRow[] {
    const existing = this.db.prepare(`SELECT * FROM bricks ORDER BY position`).all() as BrickRow[];
    if (existing.length > 0) {
      const same = existing.length === bricks.length && existing.every((b, i) => b.root.equals(bricks[i]!.root));
      if (!same) throw new GfsckError('usage', 'this --db catalog was made for other bricks (or another order): use a new file');
      const update = this.db.prepare(`UPDATE bricks SET set_index = ?, set_member = ? WHERE id = ?`);
      existing.forEach((b, i) => update.run(bricks[i]!.setIndex, bricks[i]!.setMember, b.id));
    } else {
      const insert = this.db.prepare(`INSERT INTO bricks (position, root, set_index, set_member) VALUES (?, ?, ?, ?)`);
      this.db.transaction(() => bricks.forEach((b, i) => insert.run(i, b.root, b.setIndex, b.setMember)))();
    }
    return this.bricks();
  }

  bricks(): BrickRow[] {
    return this.db.prepare(`SELECT * FROM bricks ORDER BY position`).all() as BrickRow[];
  }

  setMeta(key: string, value: string): void {
    this.db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`).run(key, value);
  }

  getMeta(key: string): string | undefined {
    return this.db.prepare(`SELECT value FROM meta WHERE key = ?`).pluck().get(key) as string | undefined;
  }
}
