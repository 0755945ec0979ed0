/**
 * A repair session: everything a command that writes to bricks needs, in the order it is
 * needed. `RepairSession.begin` refuses bricks a live glusterfsd serves (unless forced),
 * locks the bricks against other gfsck repairs and creates the undo journal; from then on
 * every change goes through `session.journal` (or the helpers here, which use it), and
 * `session.end()` closes the journal and releases the locks. `undoRepair` replays a
 * journal backwards under the same interlock.
 *
 * Nothing a repair removes is deleted: `moveAside` renames it into the brick's quarantine,
 * `<brick>/.glusterfs/gfsck-quarantine/<run>/<path relative to the brick>`, on the same
 * filesystem (a rename, so no data is copied and inode links are kept), and invisible to
 * clients and to GlusterFS, which never looks there.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { canonicalPath, isInside } from '../fs/canonical.ts';
import { GfsckError } from '../errors.ts';
import { joinPath } from '../fs/names.ts';
import { RepairJournal, type ChangeOp, type JournalInfo, type RepairEnd, type UndoOutcome } from './journal.ts';
import { BrickLocks, requireBricksOffline } from './interlock.ts';

export const QUARANTINE_DIR = '.glusterfs/gfsck-quarantine';

/** Where journals go without --journal: $GFSCK_STATE_DIR, else /var/lib/gfsck. */
export const stateDir = (): string => process.env.GFSCK_STATE_DIR ?? '/var/lib/gfsck';

/** A run's name: its start time, also naming its journal and quarantine folder. */
export const newRunId = (): string => new Date().toISOString().replace(/[:.]/g, '-');

/**
 * The journal file to use: the one given, else `<state dir>/journals/<purpose>-<run>.journal`,
 * else (state dir not writable) the current directory. Never inside a brick.
 */
export function journalPath(given: string | undefined, purpose: string, runId: string, bricks: string[]): string {
  let file: string;
  if (given !== undefined) {
    file = resolve(given);
  } else {
    const name = `${purpose}-${runId}.journal`;
    try {
      mkdirSync(join(stateDir(), 'journals'), { recursive: true, mode: 0o700 });
      file = join(stateDir(), 'journals', name);
    } catch {
      file = resolve(name);
    }
  }
  requireOutsideBricks(file, bricks, 'the journal');
  // Checked again when it is created; this says so before a long scan, not after it.
  if (existsSync(file)) throw new GfsckError('operational', `journal ${file} already exists: give a new --journal file`);
  return file;
}

/** Usage error when `path` is a brick or inside one (it would become part of the volume). */
export function requireOutsideBricks(path: string, bricks: string[], what: string): void {
  const p = canonicalPath(path);
  for (const b of bricks) {
    if (isInside(p, canonicalPath(b))) throw new GfsckError('usage', `${what} (${path}) must not be inside brick ${b}`);
  }
}

export interface SessionOptions {
  /** Canonical brick roots. */
  bricks: string[];
  journalFile: string;
  force: boolean;
  /** What is running, for the journal and the lock (e.g. `rebuild --handles`). */
  command: string;
  runId: string;
}

/** Sessions between begin and end: what an interrupt has to close. */
const openSessions = new Set<RepairSession>();

/**
 * For a SIGINT/SIGTERM handler: ends every open session (journal closed, locks released)
 * and says, one line each, where its journal is and how to go on from it.
 */
export function interruptRepairSessions(): string[] {
  return [...openSessions].map((session) => {
    const { file } = session.journal;
    session.end('interrupted');
    return `the journal ${file} holds every change made so far: gfsck ${session.command.split(' ')[0]} --undo ${file} reverts them, or run the command again to finish`;
  });
}

export class RepairSession {
  private constructor(
    readonly journal: RepairJournal,
    private readonly locks: BrickLocks,
    readonly runId: string,
    readonly command: string,
    /** What --force is risking, one line per live brick (empty without --force). */
    readonly warnings: string[],
  ) {
    openSessions.add(this);
  }

  static begin(opts: SessionOptions): RepairSession {
    const warnings = requireBricksOffline(opts.bricks, opts.force);
    const locks = BrickLocks.acquire(opts.bricks, opts.command);
    try {
      const journal = RepairJournal.create(opts.journalFile, { command: opts.command, bricks: opts.bricks });
      return new RepairSession(journal, locks, opts.runId, opts.command, warnings);
    } catch (e) {
      locks.release();
      throw e;
    }
  }

  /** Creates the missing directories down to `dir` (absolute), each with `mode`, each journaled. */
  ensureDir(dir: Buffer, mode: number, step: string): void {
    if (this.journal.present(dir)) return;
    const parent = Buffer.from(dirname(dir.toString('latin1')), 'latin1');
    if (!parent.equals(dir)) this.ensureDir(parent, mode, step);
    this.journal.mkdir(dir, mode, step);
  }

  /** Where `rel` (relative to the brick root) goes when moved aside in this run. */
  quarantinePath(brick: string, rel: Buffer): Buffer {
    return joinPath(Buffer.from(join(brick, QUARANTINE_DIR, this.runId)), rel);
  }

  /** Moves `<brick>/<rel>` into the quarantine; returns where it went. */
  moveAside(brick: string, rel: Buffer, step: string): Buffer {
    const to = this.quarantinePath(brick, rel);
    this.ensureDir(Buffer.from(dirname(to.toString('latin1')), 'latin1'), 0o700, step);
    this.journal.rename(joinPath(Buffer.from(brick), rel), to, step);
    return to;
  }

  /** Closes the journal (recording how the repair ended, when it did end) and releases the locks; a second call does nothing. */
  end(ended?: RepairEnd): void {
    if (!openSessions.delete(this)) return;
    try {
      this.journal.close(ended);
    } finally {
      this.locks.release();
    }
  }
}

export interface UndoResult extends UndoOutcome { info: JournalInfo; warnings: string[] }

/** Replays a journal backwards, under the same interlock and locks as the repair. */
export function undoRepair(journalFile: string, force: boolean, onRevert?: (step: string, op: ChangeOp, path: Buffer) => void): UndoResult {
  const journal = RepairJournal.open(journalFile);
  try {
    const info = journal.info();
    if (info.state === 'undone') throw new GfsckError('operational', `journal ${journalFile} was already undone`);
    const warnings = requireBricksOffline(info.bricks, force);
    const locks = BrickLocks.acquire(info.bricks, `undo ${journalFile}`);
    try {
      return { ...journal.undo(onRevert), info, warnings };
    } finally {
      locks.release();
    }
  } finally {
    journal.close();
  }
}
