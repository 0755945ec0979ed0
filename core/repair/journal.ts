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
 * disk, so the mark is a convenience, not a guarantee). Marks live in their own table, so
 * a change row, which may hold megabytes of old file content, is written once and never
 * rewritten. A change that fails is marked
 * `failed` and nothing of it remains (each one is a single syscall, or cleans up after
 * itself).
 *
 * Changes are primitive filesystem operations with an exact inverse; a repair composes
 * them into steps (the `step` label says which repair action a change belongs to). Undo
 * checks, before reverting each change, that the object is still the one the repair left;
 * anything changed since is reported as a conflict and left alone.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, fsyncSync, ftruncateSync, lchownSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmdirSync, symlinkSync, unlinkSync, writeSync } from 'node:fs';
import { digest, openForWrite, packedExtents, readRange, restoreHoles, restoreTimes, sizeOf, timesOf, unpackExtents, writeRangeAt, type FileTimes } from '../fs/ranges.ts';
import { native } from '../fs/native.ts';
import { hostname } from 'node:os';
import { getXattr, removeXattr, setXattr } from '../fs/xattr.ts';
import { escapeName, joinPath } from '../fs/names.ts';
import { GfsckError } from '../errors.ts';

export const JOURNAL_FORMAT = 'gfsck-undo-journal';
export const JOURNAL_VERSION = 3;
/**
 * Versions undo can read: 2 added the data ops, whose columns a version 1 journal never
 * needs; 3 moved the marks out of `changes` (older journals keep them in changes.state).
 */
const READABLE_VERSIONS = [1, 2, 3];

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
  offset   INTEGER,               -- write-range, punch-hole, truncate: where the range starts
  count    INTEGER,               -- write-range, punch-hole: its length
  size     INTEGER,               -- the file's size before
  extents  BLOB,                  -- the data extents of the range before (u64 BE pairs); the rest were holes
  digest   TEXT,                  -- sha256 of the range after the change, to tell it is still ours
  times    TEXT,                  -- 'atime_ns mtime_ns' of the file before
  state    TEXT NOT NULL,         -- as recorded: pending (version 3; before, the mark below)
  at       TEXT NOT NULL
);
CREATE TABLE marks (
  seq      INTEGER PRIMARY KEY,   -- the change marked
  state    TEXT NOT NULL,         -- done | failed | undone
  inode    TEXT                   -- dev:ino of what the change made, once made
);`;

/** The marks table, for a journal written before it existed (its marks are in changes.state). */
const MARKS_TABLE = `CREATE TABLE IF NOT EXISTS marks (seq INTEGER PRIMARY KEY, state TEXT NOT NULL, inode TEXT)`;

/** Every change with its current state: the mark's, else as recorded. */
const MARKED_CHANGES = `SELECT c.seq, c.step, c.op, c.path, c.other, c.name, c.value, c.previous, COALESCE(m.inode, c.inode) AS inode,
  c.mode, c.offset, c.count, c.size, c.extents, c.digest, c.times, COALESCE(m.state, c.state) AS state
  FROM changes c LEFT JOIN marks m ON m.seq = c.seq`;

export type ChangeOp = 'mkdir' | 'symlink' | 'link' | 'rename' | 'setxattr' | 'removexattr' | 'create-file' | 'write-file' | 'write-range' | 'punch-hole' | 'truncate' | 'setattr' | 'mknod' | 'unlink-link';
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
  offset: number | null;
  count: number | null;
  size: number | null;
  extents: Buffer | null;
  digest: string | null;
  times: string | null;
  state: ChangeState;
}

type NewChange = Omit<ChangeRow, 'seq' | 'state' | 'step'>;
type ChangeInput = Partial<NewChange> & Pick<NewChange, 'op' | 'path'>;

/** One in-place write of a batch (see writeRanges). */
export interface RangeWrite { path: Buffer; offset: number; data: Uint8Array }

export interface JournalInfo {
  file: string;
  command: string;
  bricks: string[];
  created: string;
  host: string;
  /** open (being written, or ended by a crash or an error) | complete | interrupted (by a signal) | undone | partly-undone */
  state: string;
  changes: number;
}

/** How a repair ended, as its journal records it. */
export type RepairEnd = 'complete' | 'interrupted';

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

/**
 * Thrown while a batch is prepared by a change that needs to read what an earlier change of
 * the same batch will make: the task that asked is run again once the batch is made.
 */
class NeedsSettledPath extends Error {}

const CREATING_OPS: ReadonlySet<ChangeOp> = new Set(['mkdir', 'symlink', 'create-file', 'mknod']);

/** A change prepared inside a batch: recorded with the others, made after the commit. */
interface Deferred { task: number; step: string; change: ChangeInput | null; make: () => string | null | void }

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
  private readonly mark;
  /** Rows made since the last commit, marked done with the next one (see the protocol above). */
  private unmarked: Array<{ seq: number; state: ChangeState; inode: string | null }> = [];
  /** unlinkLink's last keeper name per inode. */
  private readonly keepers = new Map<string, Buffer>();
  /**
   * Paths of the entries this journal created (by latin1 key). Undo removes such an entry
   * whole, so what is later done to it (attributes, xattrs, data) needs no record of its own.
   */
  private readonly created = new Set<string>();

  /** The batch being prepared (see `batch`), and the paths its changes touch. */
  private deferred: Deferred[] | null = null;
  private task = 0;
  private readonly pendingCreates = new Set<string>();
  private readonly pendingTouches = new Set<string>();
  /** Names the batch moves away or removes. */
  private readonly pendingGone = new Set<string>();

  private constructor(readonly file: string, private readonly db: Database.Database) {
    this.insert = db.prepare(`INSERT INTO changes (step, op, path, other, name, value, previous, inode, mode, offset, count, size, extents, digest, times, state, at)
      VALUES (@step, @op, @path, @other, @name, @value, @previous, @inode, @mode, @offset, @count, @size, @extents, @digest, @times, 'pending', @at)`);
    this.mark = db.prepare(`INSERT INTO marks (seq, state, inode) VALUES (?, ?, ?)
      ON CONFLICT (seq) DO UPDATE SET state = excluded.state, inode = COALESCE(excluded.inode, marks.inode)`);
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
    if (!READABLE_VERSIONS.includes(Number(version))) {
      db.close();
      throw new GfsckError('operational', `journal ${file} has format version ${version}; this gfsck reads ${JOURNAL_VERSION}`);
    }
    db.exec(MARKS_TABLE);
    return new RepairJournal(file, db);
  }

  info(): JournalInfo {
    const meta = Object.fromEntries((this.db.prepare(`SELECT key, value FROM meta`).all() as Array<{ key: string; value: string }>).map((r) => [r.key, r.value]));
    const changes = this.db.prepare(`SELECT COUNT(*) FROM (${MARKED_CHANGES}) WHERE state IN ('pending', 'done')`).pluck().get() as number;
    return {
      file: this.file, command: meta.command!, bricks: JSON.parse(meta.bricks!) as string[], created: meta.created!, host: meta.host!,
      state: meta.state!, changes,
    };
  }

  /** Records a change (synced), makes it, and queues its done mark. */
  private apply(step: string, change: ChangeInput, make: () => string | null | void): void {
    this.applyAll(step, [{ change, make }]);
  }

  /**
   * Independent tasks (one entry each, say) whose changes are all recorded in one synced
   * commit and only then made, in order: one fsync for a few hundred entries instead of one
   * per change, and still every change on disk in the journal before it is made. A task
   * that needs to read what an earlier task of the batch makes is run again after the batch.
   * Returns each task's error, or null.
   */
  batch(tasks: Array<() => void>): Array<string | null> {
    if (this.deferred) throw new Error('journal batches do not nest');
    const errors: Array<string | null> = tasks.map(() => null);
    const retry: number[] = [];
    const items: Deferred[] = [];
    this.deferred = items;
    try {
      tasks.forEach((prepare, i) => {
        const mark = items.length;
        this.task = i;
        try {
          prepare();
        } catch (e) {
          items.length = mark; // nothing of it recorded or made
          if (e instanceof NeedsSettledPath) retry.push(i);
          else errors[i] = (e as Error).message;
        }
      });
    } finally {
      this.deferred = null;
      this.pendingCreates.clear();
      this.pendingTouches.clear();
      this.pendingGone.clear();
    }
    this.makeBatch(items, errors);
    for (const i of retry) {
      try {
        tasks[i]!();
      } catch (e) {
        errors[i] = (e as Error).message;
      }
    }
    return errors;
  }

  private makeBatch(items: Deferred[], errors: Array<string | null>): void {
    const seqs: Array<number | null> = [];
    this.db.transaction(() => {
      this.flushMarks();
      for (const { step, change } of items) seqs.push(change ? this.record(step, change) : null);
    })();
    items.forEach((item, i) => {
      const seq = seqs[i]!;
      if (errors[item.task] !== null) {
        if (seq !== null) this.unmarked.push({ seq, state: 'failed', inode: null });
        return; // an earlier change of the same task failed: the later ones depend on it
      }
      try {
        const inode = item.make() ?? null;
        if (seq !== null) this.unmarked.push({ seq, state: 'done', inode });
      } catch (e) {
        if (seq !== null) this.unmarked.push({ seq, state: 'failed', inode: null });
        errors[item.task] = (e as Error).message;
      }
    });
  }

  private record(step: string, change: ChangeInput): number {
    return Number(this.insert.run({
      step, other: null, name: null, value: null, previous: null, inode: null, mode: null,
      offset: null, count: null, size: null, extents: null, digest: null, times: null, at: new Date().toISOString(), ...change,
    }).lastInsertRowid);
  }

  /** Whether `path` exists, or will once the batch being prepared is made. */
  present(path: Path): boolean {
    const key = asBuffer(path).toString('latin1');
    if (this.pendingCreates.has(key)) return true;
    return !this.pendingGone.has(key) && exists(path);
  }

  private requireAbsent(path: Path): void {
    if (this.present(path)) throw new GfsckError('operational', `${escapeName(asBuffer(path))} already exists`);
  }

  /** Before reading `path` to prepare a change: inside a batch, it must not be one the batch changes. */
  settled(path: Path): void {
    if (!this.deferred) return;
    const key = asBuffer(path).toString('latin1');
    if (this.pendingCreates.has(key) || this.pendingTouches.has(key)) throw new NeedsSettledPath(key);
  }

  /** A change to an entry this journal created, which needs no record: made now, or with the batch. */
  private makeUnrecorded(make: () => void): void {
    if (this.deferred) this.deferred.push({ task: this.task, step: '', change: null, make });
    else make();
  }

  /**
   * Records several changes in one synced commit, then makes them in order: one fsync for a
   * batch of block writes instead of one each. A change that fails stops the batch; it and
   * the ones after it are marked failed (nothing of them was made).
   */
  private applyAll(step: string, items: Array<{ change: ChangeInput; make: () => string | null | void }>): void {
    if (this.deferred) {
      for (const { change, make } of items) {
        const key = change.path.toString('latin1');
        if (CREATING_OPS.has(change.op)) this.pendingCreates.add(key);
        else this.pendingTouches.add(key);
        if (change.op === 'rename' || change.op === 'unlink-link') {
          this.pendingCreates.delete(key);
          this.pendingGone.add(key);
        }
        if (change.other && change.op === 'rename') this.pendingCreates.add(change.other.toString('latin1'));
        this.deferred.push({ task: this.task, step, change, make });
      }
      return;
    }
    const seqs: number[] = [];
    this.db.transaction(() => {
      this.flushMarks();
      for (const { change } of items) seqs.push(this.record(step, change));
    })();
    let i = 0;
    try {
      for (; i < items.length; i++) this.unmarked.push({ seq: seqs[i]!, state: 'done', inode: items[i]!.make() ?? null });
    } catch (e) {
      for (; i < items.length; i++) this.unmarked.push({ seq: seqs[i]!, state: 'failed', inode: null });
      throw e;
    }
  }

  /** Made by this journal, or about to be by the batch being prepared. */
  private isCreated(path: Path): boolean {
    const key = asBuffer(path).toString('latin1');
    return this.created.has(key) || this.pendingCreates.has(key);
  }

  private markCreated(path: Buffer): void {
    this.created.add(path.toString('latin1'));
  }

  /** Changes that read and write file content in pieces are made one commit at a time. */
  private outsideBatches(op: string): void {
    if (this.deferred) throw new Error(`${op} cannot be part of a journal batch`);
  }

  private flushMarks(): void {
    for (const m of this.unmarked) this.mark.run(m.seq, m.state, m.inode);
    this.unmarked = [];
  }

  mkdir(path: Path, mode: number, step: string): void {
    const p = asBuffer(path);
    this.requireAbsent(p);
    this.apply(step, { op: 'mkdir', path: p, mode }, () => {
      mkdirSync(p, { mode });
      chmodSync(p, mode); // exactly `mode`, whatever the umask
      this.markCreated(p);
    });
  }

  symlink(target: Buffer, path: Path, step: string): void {
    const p = asBuffer(path);
    this.requireAbsent(p);
    this.apply(step, { op: 'symlink', path: p, other: target }, () => {
      symlinkSync(target, p);
      this.markCreated(p);
    });
  }

  /** A new hard link `path` of the inode at `existing` (never following a symlink). */
  link(existing: Path, path: Path, step: string): void {
    const p = asBuffer(path);
    this.requireAbsent(p);
    // An inode the batch creates has no number yet: the record gets it once the link is made.
    const inode = this.isCreated(existing) && !exists(existing) ? null : inodeOf(existing);
    if (!inode && !this.isCreated(existing)) throw new GfsckError('operational', `${escapeName(asBuffer(existing))} is gone`);
    this.apply(step, { op: 'link', path: p, other: asBuffer(existing), inode }, () => {
      linkSync(existing, p);
      return inodeOf(p);
    });
  }

  /** Renames without replacing anything: the destination must not exist. */
  rename(from: Path, to: Path, step: string): void {
    const dest = asBuffer(to);
    this.requireAbsent(dest);
    this.settled(from);
    const inode = inodeOf(from);
    if (!inode) throw new GfsckError('operational', `${escapeName(asBuffer(from))} is gone`);
    this.created.delete(asBuffer(from).toString('latin1'));
    this.apply(step, { op: 'rename', path: asBuffer(from), other: dest, inode }, () => renameSync(from, dest));
  }

  setXattr(path: Path, name: string, value: Buffer, step: string): void {
    if (this.isCreated(path)) return this.makeUnrecorded(() => setXattr(path, name, value));
    this.settled(path);
    const previous = getXattr(path, name);
    if (sameBytes(previous, value)) return;
    this.apply(step, { op: 'setxattr', path: asBuffer(path), name, value, previous }, () => setXattr(path, name, value));
  }

  /** Several xattr writes recorded in one synced commit, then made in order (unchanged values are skipped). */
  setXattrs(items: Array<{ path: Buffer; name: string; value: Buffer }>, step: string): void {
    const fresh = items.filter((i) => this.isCreated(i.path));
    if (fresh.length > 0) this.makeUnrecorded(() => { for (const i of fresh) setXattr(i.path, i.name, i.value); });
    const recorded = items.filter((i) => !this.isCreated(i.path));
    for (const i of recorded) this.settled(i.path);
    const changed = recorded.map((i) => ({ ...i, previous: getXattr(i.path, i.name) })).filter((i) => !sameBytes(i.previous, i.value));
    if (changed.length === 0) return;
    this.applyAll(step, changed.map(({ path, name, value, previous }) => ({
      change: { op: 'setxattr' as const, path, name, value, previous },
      make: () => setXattr(path, name, value),
    })));
  }

  removeXattr(path: Path, name: string, step: string): void {
    if (this.isCreated(path)) return this.makeUnrecorded(() => removeXattr(path, name));
    this.settled(path);
    const previous = getXattr(path, name);
    if (previous === null) return;
    this.apply(step, { op: 'removexattr', path: asBuffer(path), name, previous }, () => removeXattr(path, name));
  }

  /**
   * A new file filled by `fill` (a copy, say; synced), or empty. Undo removes it. A fill that
   * throws leaves nothing behind.
   */
  createFile(path: Path, mode: number, step: string, fill?: (fd: number) => void): void {
    const p = asBuffer(path);
    this.requireAbsent(p);
    this.apply(step, { op: 'create-file', path: p, mode }, () => {
      const fd = openSync(p, 'wx', mode);
      try {
        if (fill) {
          fill(fd);
          fsyncSync(fd);
        }
      } catch (e) {
        closeSync(fd);
        unlinkSync(p);
        throw e;
      }
      closeSync(fd);
      this.markCreated(p);
      return inodeOf(p);
    });
  }

  /** Writes a small file (a manifest) whole; its previous content is kept for undo. */
  writeFile(path: Path, content: Buffer, step: string): void {
    this.outsideBatches('writeFile');
    const p = asBuffer(path);
    const previous = readFileOrNull(p);
    if (sameBytes(previous, content)) return;
    this.apply(step, { op: 'write-file', path: p, value: content, previous }, () => writeInPlace(p, content));
  }

  /**
   * In-place writes (same inode, so hard links stay valid). Before any is made, the bytes it
   * overwrites, which of them were holes, the file's size and its times are in the journal.
   */
  writeRanges(writes: RangeWrite[], step: string): void {
    this.outsideBatches('writeRanges');
    const fds = new Map<string, number>();
    const fdOf = (path: Buffer) => {
      const key = path.toString('latin1');
      let fd = fds.get(key);
      if (fd === undefined) fds.set(key, (fd = openForWrite(path)));
      return fd;
    };
    try {
      const recorded = writes.filter(({ path }) => !this.isCreated(path));
      for (const { path, offset, data } of writes) if (this.isCreated(path)) writeRangeAt(fdOf(path), offset, data);
      this.applyAll(step, recorded.map(({ path, offset, data }) => {
        const fd = fdOf(path);
        const previous = readRange(fd, offset, data.length);
        return {
          change: {
            op: 'write-range' as const, path, offset, count: data.length, size: sizeOf(fd), previous,
            extents: packedExtents(fd, offset, previous.length), digest: digest(data), times: timesText(fd),
          },
          make: () => writeRangeAt(fd, offset, data),
        };
      }));
    } finally {
      for (const fd of fds.values()) closeSync(fd);
    }
  }

  /** Deallocates a range in place (a sparse fragment stays sparse); its bytes are kept for undo. */
  punchHole(path: Path, offset: number, length: number, step: string): void {
    this.outsideBatches('punchHole');
    const p = asBuffer(path);
    const fd = openForWrite(p);
    try {
      if (this.isCreated(p)) return native.punchHole(fd, offset, length);
      const previous = readRange(fd, offset, length);
      this.apply(step, {
        op: 'punch-hole', path: p, offset, count: length, size: sizeOf(fd), previous,
        extents: packedExtents(fd, offset, previous.length), digest: digest(Buffer.alloc(previous.length)), times: timesText(fd),
      }, () => native.punchHole(fd, offset, length));
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Sets a file's length. Bytes cut off are journaled first, in pieces of TRUNCATE_PIECE
   * from the end, so even a long cut never needs one huge record.
   */
  truncate(path: Path, length: number, step: string): void {
    this.outsideBatches('truncate');
    const p = asBuffer(path);
    const fd = openForWrite(p);
    try {
      let size = sizeOf(fd);
      if (size === length) return;
      if (this.isCreated(p)) return ftruncateSync(fd, length);
      if (size < length) {
        this.apply(step, { op: 'truncate', path: p, offset: length, size, times: timesText(fd) }, () => ftruncateSync(fd, length));
        return;
      }
      while (size > length) {
        const cut = Math.max(length, size - TRUNCATE_PIECE);
        const previous = readRange(fd, cut, size - cut);
        this.apply(step, { op: 'truncate', path: p, offset: cut, size, previous, extents: packedExtents(fd, cut, size - cut), times: timesText(fd) }, () => ftruncateSync(fd, cut));
        size = cut;
      }
    } finally {
      closeSync(fd);
    }
  }

  /** chmod/lchown; the old values are kept for undo. A symlink's mode is left alone (Linux has none to set). */
  setattr(path: Path, want: { mode?: number; uid?: number; gid?: number }, step: string): void {
    const p = asBuffer(path);
    if (this.isCreated(p)) {
      return this.makeUnrecorded(() => {
        const st = lstatSync(p);
        setOwnerAndMode(p, { mode: st.isSymbolicLink() ? st.mode & 0o7777 : want.mode ?? st.mode & 0o7777, uid: want.uid ?? st.uid, gid: want.gid ?? st.gid }, st.isSymbolicLink());
      });
    }
    this.settled(p);
    const st = lstatSync(p);
    const before = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
    const after = { mode: st.isSymbolicLink() ? before.mode : want.mode ?? before.mode, uid: want.uid ?? before.uid, gid: want.gid ?? before.gid };
    if (after.mode === before.mode && after.uid === before.uid && after.gid === before.gid) return;
    this.apply(step, { op: 'setattr', path: p, previous: Buffer.from(JSON.stringify(before)), value: Buffer.from(JSON.stringify(after)) }, () => setOwnerAndMode(p, after, st.isSymbolicLink()));
  }

  /**
   * Removes one name of an inode that another name in the same directory keeps (an index
   * entry and its base file): no data goes, and undo links the name again.
   */
  unlinkLink(path: Path, step: string): void {
    const p = asBuffer(path);
    this.settled(p);
    const st = lstatSync(p, { bigint: true });
    const inode = `${st.dev}:${st.ino}`;
    const keeper = st.nlink > 1n ? this.keeperOf(p, inode) : undefined;
    if (!keeper) throw new GfsckError('operational', `${escapeName(p)} is the last name of its inode in its directory: not removed`);
    this.created.delete(p.toString('latin1'));
    this.apply(step, { op: 'unlink-link', path: p, other: keeper, inode }, () => unlinkSync(p));
  }

  /**
   * Another name of `inode` in `p`'s directory (or the one above) that is still there when `p` goes, so undo can
   * link `p` again from it: not one the batch being prepared removes first. An index holds
   * thousands of links to one base file (`xattrop-<uuid>`, longer than the gfid names, never
   * removed): it is preferred and remembered, so the directory is read once, not per entry.
   */
  private keeperOf(p: Buffer, inode: string): Buffer | undefined {
    const dir = p.subarray(0, p.lastIndexOf(0x2f));
    const usable = (other: Buffer) => !other.equals(p) && !this.pendingTouches.has(other.toString('latin1')) && inodeOf(other) === inode;
    const known = this.keepers.get(inode);
    // entry-changes names sit one folder below their base file: its folder is searched second.
    const folders = [dir, dir.subarray(0, dir.lastIndexOf(0x2f))];
    if (known && folders.some((f) => known.subarray(0, known.lastIndexOf(0x2f)).equals(f)) && usable(known)) return known;
    for (const folder of folders) {
      const found = readdirSync(folder, { encoding: 'buffer' }).sort((a, b) => b.length - a.length).map((n) => joinPath(folder, n)).find(usable);
      if (!found) continue;
      this.keepers.set(inode, found);
      return found;
    }
    return undefined;
  }

  /** A new FIFO, socket or device node. Undo removes it. */
  mknod(path: Path, mode: number, rdev: { major: number; minor: number }, step: string): void {
    const p = asBuffer(path);
    this.requireAbsent(p);
    this.apply(step, { op: 'mknod', path: p, mode }, () => {
      native.mknod(p, mode, rdev.major, rdev.minor);
      this.markCreated(p);
      return inodeOf(p);
    });
  }

  /**
   * Closes the journal, marks written. `ended` says how a repair ended; without it (an error
   * cut the repair short, or the journal was opened for undo) the state stays as it is.
   */
  close(ended?: RepairEnd): void {
    if (!this.db.open) return;
    this.db.transaction(() => {
      this.flushMarks();
      if (ended) this.db.prepare(`UPDATE meta SET value = ? WHERE key = 'state' AND value = 'open'`).run(ended);
    })();
    this.db.close();
  }

  /**
   * Reverts every change not yet undone, newest first. Each revert is committed (synced)
   * as it happens, so an interrupted undo can simply be run again.
   */
  undo(onRevert: (step: string, op: ChangeOp, path: Buffer) => void = () => {}): UndoOutcome {
    // One row at a time: rows of file content may hold megabytes each.
    const seqs = this.db.prepare(`SELECT seq FROM (${MARKED_CHANGES}) WHERE state IN ('pending', 'done') ORDER BY seq DESC`).pluck().all() as number[];
    const bySeq = this.db.prepare(`${MARKED_CHANGES} WHERE c.seq = ?`);
    const conflicts: UndoConflict[] = [];
    let reverted = 0;
    for (const seq of seqs) {
      const row = bySeq.get(seq) as ChangeRow;
      let why: string | null;
      try {
        why = revert(row);
      } catch (e) {
        why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      }
      if (why === null) {
        this.mark.run(row.seq, 'undone', null);
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
    case 'mknod':
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
    case 'unlink-link': {
      const now = inodeOf(path);
      if (now !== null) return now === row.inode ? null : 'changed since the repair';
      if (inodeOf(row.other!) !== row.inode) return 'the inode that kept the name is gone';
      linkSync(row.other!, path);
      return null;
    }
    case 'write-range':
    case 'punch-hole':
      return withFile(path, (fd) => {
        const now = readRange(fd, row.offset!, row.count!);
        if (digest(now) !== row.digest) return now.equals(row.previous!) ? null : 'changed since the repair';
        writeRangeAt(fd, row.offset!, row.previous!);
        if (row.size! < row.offset! + row.count!) ftruncateSync(fd, row.size!);
        restoreHoles(fd, row.offset!, row.previous!.length, unpackExtents(row.extents!));
        restoreTimes(fd, parseTimes(row.times!));
        return null;
      });
    case 'truncate':
      return withFile(path, (fd) => {
        const now = sizeOf(fd);
        if (now === row.size) return null; // never made
        if (now !== row.offset) return 'changed since the repair';
        ftruncateSync(fd, row.size!);
        if (row.previous) {
          writeRangeAt(fd, row.offset!, row.previous);
          restoreHoles(fd, row.offset!, row.previous.length, unpackExtents(row.extents!));
        }
        restoreTimes(fd, parseTimes(row.times!));
        return null;
      });
    case 'setattr': {
      if (!exists(path)) return 'gone since the repair';
      const st = lstatSync(path);
      const now = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
      const before = JSON.parse(row.previous!.toString()) as typeof now;
      const made = JSON.parse(row.value!.toString()) as typeof now;
      const same = (a: typeof now, b: typeof now) => a.mode === b.mode && a.uid === b.uid && a.gid === b.gid;
      if (same(now, before)) return null;
      if (!same(now, made)) return 'changed since the repair';
      setOwnerAndMode(path, before, st.isSymbolicLink());
      return null;
    }
  }
}

/** Bytes a truncate journals per record. */
const TRUNCATE_PIECE = 64 * 1024 * 1024;

function withFile(path: Buffer, fn: (fd: number) => string | null): string | null {
  let fd: number;
  try {
    fd = openForWrite(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone since the repair';
    throw e;
  }
  try {
    const why = fn(fd);
    if (why === null) fsyncSync(fd);
    return why;
  } finally {
    closeSync(fd);
  }
}

function timesText(fd: number): string {
  const t = timesOf(fd);
  return `${t.atimeNs} ${t.mtimeNs}`;
}

function parseTimes(text: string): FileTimes {
  const [a, m] = text.split(' ');
  return { atimeNs: BigInt(a!), mtimeNs: BigInt(m!) };
}

function setOwnerAndMode(path: Buffer, want: { mode: number; uid: number; gid: number }, symlink: boolean): void {
  lchownSync(path, want.uid, want.gid);
  // chown clears set-id bits, so the mode goes second.
  if (!symlink) chmodSync(path, want.mode);
}
