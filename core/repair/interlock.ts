/**
 * Before anything writes to a brick: no running glusterfsd may serve it (GlusterFS keeps
 * its own view of the handle tree and xattrs in memory and would act on a tree changed
 * under it), and no other gfsck may be repairing it at the same time.
 *
 * A brick process is recognised from /proc: its argv[0] (or comm) is glusterfsd and its
 * arguments name the brick with `--brick-name <path>` (how glusterd starts every brick).
 * Bricks are compared by the device and inode of their root, not by path: a brick reached
 * through a symlink, a bind mount or any other path is still the same directory. The
 * repair locks are keyed the same way.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { GfsckError } from '../errors.ts';

export interface BrickServer {
  pid: number;
  /** The brick root it serves (as given to gfsck). */
  brick: string;
  /** Its command line, for the message. */
  cmdline: string;
}

/** The directory's identity whatever path reaches it, or null when it cannot be statted. */
function directoryKey(path: string): string | null {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}

function readArgv(procDir: string): string[] | null {
  try {
    return readFileSync(join(procDir, 'cmdline'), 'latin1').split('\0').filter((a) => a !== '');
  } catch {
    return null; // exited while we looked, or not ours to read
  }
}

function isGlusterfsd(procDir: string, argv: string[]): boolean {
  if (argv.length > 0 && basename(argv[0]!) === 'glusterfsd') return true;
  try {
    return readFileSync(join(procDir, 'comm'), 'latin1').trim() === 'glusterfsd';
  } catch {
    return false;
  }
}

function brickNameArgument(argv: string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--brick-name' && i + 1 < argv.length) return argv[i + 1]!;
    if (argv[i]!.startsWith('--brick-name=')) return argv[i]!.slice('--brick-name='.length);
  }
  return null;
}

/** Running glusterfsd processes that serve any of `bricks`. */
export function findBrickServers(bricks: string[], procRoot = '/proc'): BrickServer[] {
  const wanted = new Map(bricks.flatMap((b) => {
    const key = directoryKey(b);
    return key === null ? [] : [[key, b] as const];
  }));
  const servers: BrickServer[] = [];
  for (const entry of readdirSync(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    const procDir = join(procRoot, entry);
    const argv = readArgv(procDir);
    if (!argv || !isGlusterfsd(procDir, argv)) continue;
    const served = brickNameArgument(argv);
    // The served path is resolved in the brick process's own mount namespace (/proc/PID/root).
    const key = served === null ? null : directoryKey(join(procDir, 'root', served)) ?? directoryKey(served);
    const brick = key === null ? undefined : wanted.get(key);
    if (brick !== undefined) servers.push({ pid: Number(entry), brick, cmdline: argv.join(' ') });
  }
  return servers;
}

/**
 * Throws (operational) when a live glusterfsd serves one of the bricks. With `force` it
 * returns what it would have refused, so the caller can say what is being risked.
 */
export function requireBricksOffline(bricks: string[], force: boolean): string[] {
  const live = findBrickServers(bricks);
  const lines = live.map((s) => `brick ${s.brick} is served by glusterfsd pid ${s.pid}`);
  if (live.length > 0 && !force) {
    throw new GfsckError('operational', `${lines.join('; ')}: stop the volume (gluster volume stop VOL) or kill the brick first; --force writes anyway`);
  }
  return lines.map((l) => `${l}: writing anyway (--force); the running brick keeps its own view of handles and xattrs and may undo or contradict these changes, and clients may see inconsistent data until it restarts`);
}

/** Where the per-brick repair locks live: tmpfs, so a reboot clears them. */
export const LOCK_DIR = '/run/gfsck';

const lockFile = (brick: string, dir: string) => {
  const key = directoryKey(brick) ?? brick;
  return join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 20)}.lock`);
};

/** A process that exists and is not a zombie (killed, waiting to be reaped: it holds nothing). */
export function processAlive(pid: number, procRoot = '/proc'): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(join(procRoot, String(pid), 'stat'), 'latin1');
    // The state follows the command name, which is in parentheses and may hold anything.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc to ask: kill(0) said it exists
  }
}

/**
 * Exclusive repair locks on bricks, held from before the first write until the end. A
 * lock left by a process that no longer exists is taken over.
 */
export class BrickLocks {
  private constructor(private readonly files: string[]) {}

  static acquire(bricks: string[], purpose: string, dir = LOCK_DIR): BrickLocks {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const taken: string[] = [];
    try {
      for (const brick of bricks) {
        const file = lockFile(brick, dir);
        BrickLocks.take(file, brick, purpose);
        taken.push(file);
      }
    } catch (e) {
      new BrickLocks(taken).release();
      throw e;
    }
    return new BrickLocks(taken);
  }

  private static take(file: string, brick: string, purpose: string): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, 'wx', 0o600);
        writeSync(fd, JSON.stringify({ pid: process.pid, brick, purpose, since: new Date().toISOString() }));
        closeSync(fd);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      let holder: { pid?: number; purpose?: string } = {};
      try {
        holder = JSON.parse(readFileSync(file, 'utf8')) as typeof holder;
      } catch {
        // unreadable or half-written: treat as stale
      }
      if (holder.pid !== undefined && holder.pid !== process.pid && processAlive(holder.pid)) {
        throw new GfsckError('operational', `brick ${brick} is being repaired by gfsck pid ${holder.pid} (${holder.purpose ?? 'unknown'}); lock ${file}`);
      }
      unlinkSync(file); // the holder is gone
    }
    throw new GfsckError('operational', `cannot take the repair lock of brick ${brick} (${file})`);
  }

  /** Removes the lock files this process still holds (one taken over by another run stays). */
  release(): void {
    for (const f of this.files) {
      try {
        if ((JSON.parse(readFileSync(f, 'utf8')) as { pid?: number }).pid === process.pid) unlinkSync(f);
      } catch {
        // already gone: nothing to release
      }
    }
    this.files.length = 0;
  }
}
