/**
 * File operations a scenario performs through a mount, as data: the same list populates a
 * volume, and, performed while bricks are down, says exactly what those bricks missed.
 */
import { chmod, link, mkdir, open, rename, rm, rmdir, symlink, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setXattr } from '../../core/fs/xattr.ts';
import { run } from './exec.ts';

export type Op =
  | { op: 'mkdir'; path: string; mode?: number }
  /** Without offset: create or replace the whole file. With offset: write in place (overwrite, append, sparse). */
  | { op: 'write'; path: string; data: Buffer; offset?: number; mode?: number }
  | { op: 'truncate'; path: string; size: number }
  | { op: 'symlink'; path: string; target: string }
  | { op: 'link'; path: string; existing: string }
  | { op: 'mkfifo'; path: string }
  | { op: 'setxattr'; path: string; name: string; value: Buffer }
  | { op: 'chmod'; path: string; mode: number }
  | { op: 'unlink'; path: string }
  | { op: 'rmtree'; path: string }
  | { op: 'rename'; path: string; to: string }
  | { op: 'rmdir'; path: string };

/** One line saying what an op did, for damage records and notes. */
export function describeOp(o: Op): string {
  switch (o.op) {
    case 'write':
      return o.offset === undefined ? `wrote ${o.data.length} bytes as the whole file` : `wrote ${o.data.length} bytes at offset ${o.offset}`;
    case 'truncate':
      return `truncated to ${o.size} bytes`;
    case 'symlink':
      return `created symlink -> ${o.target}`;
    case 'link':
      return `created hard link to ${o.existing}`;
    case 'setxattr':
      return `set ${o.name} (${o.value.length} bytes)`;
    case 'chmod':
      return `chmod ${o.mode.toString(8)}`;
    case 'rename':
      return `renamed ${o.path} to ${o.to}`;
    case 'mkdir':
      return 'created directory';
    case 'mkfifo':
      return 'created fifo';
    case 'unlink':
      return 'unlinked';
    case 'rmtree':
      return 'removed directory tree';
    case 'rmdir':
      return 'removed directory';
  }
}

/** The path an op leaves its result at (the new name of a rename). */
export const resultPath = (o: Op): string => (o.op === 'rename' ? o.to : o.path);

/** Whether the op removes its path (so the entry's gfid must be read before it runs). */
export const removesPath = (o: Op): boolean => o.op === 'unlink' || o.op === 'rmdir' || o.op === 'rmtree';

async function writeAt(file: string, data: Buffer, offset: number | undefined, mode: number | undefined): Promise<void> {
  // 'w' creates or truncates. A positioned write needs 'r+' (no truncation, no forced
  // append), which needs an existing file: 'a' creates one without truncating.
  if (offset !== undefined) await (await open(file, 'a', mode ?? 0o644)).close();
  const fh = await open(file, offset === undefined ? 'w' : 'r+', mode ?? 0o644);
  try {
    await fh.write(data, 0, data.length, offset ?? 0);
  } finally {
    await fh.close();
  }
}

export async function applyOp(root: string, o: Op): Promise<void> {
  const p = join(root, o.path);
  switch (o.op) {
    case 'mkdir':
      await mkdir(p, { recursive: true, mode: o.mode ?? 0o755 });
      return;
    case 'write':
      await writeAt(p, o.data, o.offset, o.mode);
      if (o.mode !== undefined) await chmod(p, o.mode);
      return;
    case 'truncate':
      await truncate(p, o.size);
      return;
    case 'symlink':
      await symlink(o.target, p);
      return;
    case 'link':
      await link(join(root, o.existing), p);
      return;
    case 'mkfifo':
      // Node has no mkfifo(3); coreutils' mkfifo does it.
      await run('mkfifo', [p]);
      return;
    case 'setxattr':
      setXattr(p, o.name, o.value);
      return;
    case 'chmod':
      await chmod(p, o.mode);
      return;
    case 'unlink':
      await unlink(p);
      return;
    case 'rmtree':
      await rm(p, { recursive: true });
      return;
    case 'rename':
      await rename(p, join(root, o.to));
      return;
    case 'rmdir':
      await rmdir(p);
      return;
  }
}

export async function applyOps(root: string, ops: readonly Op[]): Promise<void> {
  for (const o of ops) await applyOp(root, o);
}
