/**
 * The undo journal of a repair: one SQLite file, kept outside the bricks, that records
 * every change a repair makes to a brick before it is made (write-ahead), so that
 * `gfsck rebuild --undo JOURNAL` can replay the changes backwards and restore the bricks
 * exactly: xattrs, hard links, symlinks, created directories, and objects moved aside.
 *
 * Protocol for each change: insert a `pending` row holding everything needed to revert it
 * (previous xattr value, file content, the inode moved) and commit with synchronous=FULL,
 * which fsyncs the journal; make the change; mark the row `done` (folded into the next
 * commit: a row left `pending` by a crash is reverted by checking what is actually on
 * disk, so the mark is a convenience, not a guarantee). A change that fails is marked
 * `failed` and nothing of it remains (each one is a single syscall, or cleans up after
 * itself).
 *
 * Changes are primitive filesystem operations with an exact inverse; a repair composes
 * them into steps (the `step` label says which repair action a change belongs to). Undo
 * checks, before reverting each change, that the object is still the one the repair left;
 * anything changed since is reported as a conflict and left alone.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, renameSync, rmdirSync, symlinkSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { getXattr, removeXattr, setXattr } from '../fs/xattr.ts';
import { escapeName } from '../fs/names.ts';
import { GfsckError } from '../errors.ts';

export const JOURNAL_FORMAT = 'gfsck-undo-journal';
export const JOURNAL_VERSION = 1;

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE changes (
  seq      INTEGER PRIMARY KEY,   -- order made; undo goes backwards
  step     TEXT NOT NULL,         -- the repair action this change belongs to
  op       TEXT NOT NULL,         -- mkdir symlink link rename setxattr removexattr create-file write-file
  path     BLOB NOT NULL,         -- what was changed (rename: the old name)
  other    BLOB,                  -- rename: the new name; link: the existing name; symlink: the target
  name     TEXT,                  -- xattr name
  value    BLOB,                  -- xattr value, or file content, written
  previous BLOB,                  -- xattr value or file content before; NULL when there was none
  inode    TEXT,                  -- dev:ino of the object linked, moved or created
  mode     INTEGER,               -- mkdir, create-file
  state    TEXT NOT NULL,         -- pending | done | failed | undone
  at       TEXT NOT NULL
);`;

export type ChangeOp = 'mkdir' | 'symlink' | 'link' | 'rename' | 'setxattr' | 'removexattr' | 'create-file' | 'write-file';
type ChangeState = 'pending' | 'done' | 'failed' | 'undone';

interface ChangeRow {
  seq: number;
  step: string;
  op: ChangeOp;
  path: Buffer;
  other: Buffer | null;
  name: string | null;
  value: Buffer | null;
  previous: Buffer | null;
  inode: string | null;
  mode: number | null;
  state: ChangeState;
}

type NewChange = Omit<ChangeRow, 'seq' | 'state' | 'step'>;

export interface JournalInfo {
  file: string;
  command: string;
  bricks: string[];
  created: string;
  host: string;
  /** open (being written, or interrupted) | complete | undone | partly-undone */
  state: string;
  changes: number;
}

export interface UndoConflict { seq: number; step: string; op: ChangeOp; path: string; why: string }
export interface UndoOutcome { reverted: number; conflicts: UndoConflict[] }

type Path = Buffer | string;

const asBuffer = (p: Path): Buffer => (typeof p === 'string' ? Buffer.from(p) : p);

function inodeOf(path: Path): string | null {
  try {
    const st = lstatSync(path, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function exists(path: Path): boolean {
  return inodeOf(path) !== null;
}

function requireAbsent(path: Path): void {
  if (exists(path)) throw new GfsckError('operational', `${escapeName(asBuffer(path))} already exists`);
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}

function readFileOrNull(path: Path): Buffer | null {
  try {
    return readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Writes a small file's whole content in place (truncate, write, fsync): the inode stays
 * the same, so undo puts back exactly the file that was there, not a new one.
 */
function writeInPlace(path: Buffer, content: Buffer): void {
  const fd = openSync(path, 'w', 0o644);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class RepairJournal {
  private readonly insert;
  private readonly setState;
  private readonly setInode;
  /** Rows made since the last commit, marked done with the next one (see the protocol above). */
  private unmarked: Array<{ seq: number; state: ChangeState; inode: string | null }> = [];

  private constructor(readonly file: string, private readonly db: Database.Database) {
    this.insert = db.prepare(`INSERT INTO changes (step, op, path, other, name, value, previous, inode, mode, state, at)
      VALUES (@step, @op, @path, @other, @name, @value, @previous, @inode, @mode, 'pending', @at)`);
    this.setState = db.prepare(`UPDATE changes SET state = ? WHERE seq = ?`);
    this.setInode = db.prepare(`UPDATE changes SET inode = COALESCE(?, inode) WHERE seq = ?`);
  }

  private static connect(file: string): Database.Database {
    const db = new Database(file);
    // WAL + FULL: every commit is fsynced before it returns (one fsync per change).
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    return db;
  }

  /** A new journal; refuses to reuse a file, so one journal is always one repair. */
  static create(file: string, about: { command: string; bricks: string[] }): RepairJournal {
    if (existsSync(file)) throw new GfsckError('operational', `journal ${file} already exists: give a new --journal file`);
    let db: Database.Database;
    try {
      db = RepairJournal.connect(file);
      db.exec(SCHEMA);
    } catch (e) {
      throw new GfsckError('operational', `cannot create journal ${file}: ${(e as Error).message}`);
    }
    const meta = db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?)`);
    db.transaction(() => {
      meta.run('format', JOURNAL_FORMAT);
      meta.run('version', String(JOURNAL_VERSION));
      meta.run('command', about.command);
      meta.run('bricks', JSON.stringify(about.bricks));
      meta.run('created', new Date().toISOString());
      meta.run('host', hostname());
      meta.run('state', 'open');
    })();
    return new RepairJournal(file, db);
  }

  static open(file: string): RepairJournal {
    if (!existsSync(file)) throw new GfsckError('operational', `${file}: no such journal`);
    let db: Database.Database;
    let format: string | undefined;
    let version: string | undefined;
    try {
      db = RepairJournal.connect(file);
      const get = db.prepare(`SELECT value FROM meta WHERE key = ?`).pluck();
      format = get.get('format') as string | undefined;
      version = get.get('version') as string | undefined;
    } catch {
      throw new GfsckError('operational', `${file} is not a gfsck journal`);
    }
    if (format !== JOURNAL_FORMAT) {
      db.close();
      throw new GfsckError('operational', `${file} is not a gfsck journal`);
    }
    if (Number(version) !== JOURNAL_VERSION) {
      db.close();
      throw new GfsckError('operational', `journal ${file} has format version ${version}; this gfsck reads ${JOURNAL_VERSION}`);
    }
    return new RepairJournal(file, db);
  }

  info(): JournalInfo {
    const meta = Object.fromEntries((this.db.prepare(`SELECT key, value FROM meta`).all() as Array<{ key: string; value: string }>).map((r) => [r.key, r.value]));
    const changes = this.db.prepare(`SELECT COUNT(*) FROM changes WHERE state IN ('pending', 'done')`).pluck().get() as number;
    return {
      file: this.file, command: meta.command!, bricks: JSON.parse(meta.bricks!) as string[], created: meta.created!, host: meta.host!,
      state: meta.state!, changes,
    };
  }

  /** Records a change (synced), makes it, and queues its done mark. */
  private apply(step: string, change: Partial<NewChange> & Pick<NewChange, 'op' | 'path'>, make: () => string | null | void): void {
    let seq = 0;
    this.db.transaction(() => {
      this.flushMarks();
      seq = Number(this.insert.run({
        step, other: null, name: null, value: null, previous: null, inode: null, mode: null, at: new Date().toISOString(), ...change,
      }).lastInsertRowid);
    })();
    try {
      const inode = make();
      this.unmarked.push({ seq, state: 'done', inode: inode ?? null });
    } catch (e) {
      this.unmarked.push({ seq, state: 'failed', inode: null });
      throw e;
    }
  }

  private flushMarks(): void {
    for (const m of this.unmarked) {
      this.setState.run(m.state, m.seq);
      this.setInode.run(m.inode, m.seq);
    }
    this.unmarked = [];
  }

  mkdir(path: Path, mode: number, step: string): void {
    const p = asBuffer(path);
    requireAbsent(p);
    this.apply(step, { op: 'mkdir', path: p, mode }, () => {
      mkdirSync(p, { mode });
      chmodSync(p, mode); // exactly `mode`, whatever the umask
    });
  }

  symlink(target: Buffer, path: Path, step: string): void {
    const p = asBuffer(path);
    requireAbsent(p);
    this.apply(step, { op: 'symlink', path: p, other: target }, () => symlinkSync(target, p));
  }

  /** A new hard link `path` of the inode at `existing` (never following a symlink). */
  link(existing: Path, path: Path, step: string): void {
    const p = asBuffer(path);
    requireAbsent(p);
    const inode = inodeOf(existing);
    if (!inode) throw new GfsckError('operational', `${escapeName(asBuffer(existing))} is gone`);
    this.apply(step, { op: 'link', path: p, other: asBuffer(existing), inode }, () => linkSync(existing, p));
  }

  /** Renames without replacing anything: the destination must not exist. */
  rename(from: Path, to: Path, step: string): void {
    const dest = asBuffer(to);
    requireAbsent(dest);
    const inode = inodeOf(from);
    if (!inode) throw new GfsckError('operational', `${escapeName(asBuffer(from))} is gone`);
    this.apply(step, { op: 'rename', path: asBuffer(from), other: dest, inode }, () => renameSync(from, dest));
  }

  setXattr(path: Path, name: string, value: Buffer, step: string): void {
    const previous = getXattr(path, name);
    if (sameBytes(previous, value)) return;
    this.apply(step, { op: 'setxattr', path: asBuffer(path), name, value, previous }, () => setXattr(path, name, value));
  }

  removeXattr(path: Path, name: string, step: string): void {
    const previous = getXattr(path, name);
    if (previous === null) return;
    this.apply(step, { op: 'removexattr', path: asBuffer(path), name, previous }, () => removeXattr(path, name));
  }

  /**
   * A new file filled by `fill` (a copy, say). Undo removes it. A fill that throws leaves
   * nothing behind.
   */
  createFile(path: Path, mode: number, step: string, fill: (fd: number) => void): void {
    const p = asBuffer(path);
    requireAbsent(p);
    this.apply(step, { op: 'create-file', path: p, mode }, () => {
      const fd = openSync(p, 'wx', mode);
      try {
        fill(fd);
        fsyncSync(fd);
      } catch (e) {
        closeSync(fd);
        unlinkSync(p);
        throw e;
      }
      closeSync(fd);
      return inodeOf(p);
    });
  }

  /** Writes a small file (a manifest) whole; its previous content is kept for undo. */
  writeFile(path: Path, content: Buffer, step: string): void {
    const p = asBuffer(path);
    const previous = readFileOrNull(p);
    if (sameBytes(previous, content)) return;
    this.apply(step, { op: 'write-file', path: p, value: content, previous }, () => writeInPlace(p, content));
  }

  /** Ends a repair: marks written, journal flagged complete. */
  close(): void {
    if (!this.db.open) return;
    this.db.transaction(() => {
      this.flushMarks();
      if ((this.db.prepare(`SELECT value FROM meta WHERE key = 'state'`).pluck().get() as string) === 'open') {
        this.db.prepare(`UPDATE meta SET value = 'complete' WHERE key = 'state'`).run();
      }
    })();
    this.db.close();
  }

  /**
   * Reverts every change not yet undone, newest first. Each revert is committed (synced)
   * as it happens, so an interrupted undo can simply be run again.
   */
  undo(onRevert: (step: string, op: ChangeOp, path: Buffer) => void = () => {}): UndoOutcome {
    const rows = this.db.prepare(`SELECT * FROM changes WHERE state IN ('pending', 'done') ORDER BY seq DESC`).all() as ChangeRow[];
    const conflicts: UndoConflict[] = [];
    let reverted = 0;
    for (const row of rows) {
      let why: string | null;
      try {
        why = revert(row);
      } catch (e) {
        why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      }
      if (why === null) {
        this.setState.run('undone', row.seq);
        reverted++;
        onRevert(row.step, row.op, row.path);
      } else {
        conflicts.push({ seq: row.seq, step: row.step, op: row.op, path: escapeName(row.path), why });
      }
    }
    this.db.prepare(`UPDATE meta SET value = ? WHERE key = 'state'`).run(conflicts.length > 0 ? 'partly-undone' : 'undone');
    return { reverted, conflicts };
  }
}

/** Reverts one change; null when done (or the change was never made), else why not. */
function revert(row: ChangeRow): string | null {
  const { path } = row;
  switch (row.op) {
    case 'mkdir': {
      if (!exists(path)) return null;
      if (!lstatSync(path).isDirectory()) return 'no longer a directory';
      try {
        rmdirSync(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOTEMPTY') return 'the directory is not empty';
        throw e;
      }
      return null;
    }
    case 'symlink': {
      if (!exists(path)) return null;
      if (!lstatSync(path).isSymbolicLink() || !readlinkSync(path, { encoding: 'buffer' }).equals(row.other!)) return 'changed since the repair';
      unlinkSync(path);
      return null;
    }
    case 'link':
    case 'create-file': {
      const now = inodeOf(path);
      if (now === null) return null;
      // A create-file interrupted before its done mark has no inode recorded: only a regular file is ours to remove.
      const ours = row.inode !== null ? now === row.inode : lstatSync(path).isFile();
      if (!ours) return 'changed since the repair';
      unlinkSync(path);
      return null;
    }
    case 'rename': {
      const to = row.other!;
      if (inodeOf(to) === row.inode && !exists(path)) {
        renameSync(to, path);
        return null;
      }
      if (inodeOf(path) === row.inode) return null; // never moved
      return 'changed since the repair';
    }
    case 'setxattr':
    case 'removexattr': {
      const now = getXattr(path, row.name!);
      const made = row.op === 'setxattr' ? row.value : null;
      if (sameBytes(now, row.previous)) return null;
      if (!sameBytes(now, made)) return 'changed since the repair';
      if (row.previous === null) removeXattr(path, row.name!);
      else setXattr(path, row.name!, row.previous);
      return null;
    }
    case 'write-file': {
      const now = readFileOrNull(path);
      if (sameBytes(now, row.previous)) return null;
      if (!sameBytes(now, row.value)) return 'changed since the repair';
      if (row.previous === null) unlinkSync(path);
      else writeInPlace(path, row.previous);
      return null;
    }
  }
}
