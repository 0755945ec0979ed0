/**
 * Reads a directory in batches on the thread pool: name, lstat fields, symlink target and
 * (optionally) every xattr of each entry, without following symlinks. The native side
 * packs a batch into one buffer (layout in native/dirscan.c), parsed here.
 */
import { constants } from 'node:os';
import { native, type BrickPath, type RawXattrs } from './native.ts';

/** One directory entry. `error` (with code and syscall) is set when part of it was unreadable. */
export interface ScannedEntry {
  name: Buffer;
  error?: NodeJS.ErrnoException;
  /** Undefined when lstat itself failed. */
  mode?: number;
  uid: number;
  gid: number;
  nlink: number;
  size: bigint;
  blocks: bigint;
  ino: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  target?: Buffer;
  xattrs?: RawXattrs;
}

export type StattedEntry = ScannedEntry & { mode: number };

/** False when lstat itself failed: then only `name` and `error` are meaningful. */
export const hasStat = (e: ScannedEntry): e is StattedEntry => e.mode !== undefined;

const ABSENT = 0xffffffff;
const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

function errnoError(errno: number, syscall: string): NodeJS.ErrnoException {
  const code = ERRNO_NAMES.get(errno) ?? `E${errno}`;
  return Object.assign(new Error(`${syscall}: ${code}`), { code, errno, syscall });
}

function parseBatch(buf: Buffer): ScannedEntry[] {
  let at = 0;
  const u16 = () => { const v = buf.readUInt16LE(at); at += 2; return v; };
  const u32 = () => { const v = buf.readUInt32LE(at); at += 4; return v; };
  const i32 = () => { const v = buf.readInt32LE(at); at += 4; return v; };
  const u64 = () => { const v = buf.readBigUInt64LE(at); at += 8; return v; };
  const bytes = (n: number) => { const v = buf.subarray(at, at + n); at += n; return v; };
  const count = u32();
  const entries: ScannedEntry[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const name = bytes(u16());
    const statErr = i32();
    if (statErr !== 0) {
      entries[i] = { name, error: errnoError(statErr, 'lstat'), uid: 0, gid: 0, nlink: 0, size: 0n, blocks: 0n, ino: 0n, mtimeNs: 0n, ctimeNs: 0n };
      continue;
    }
    const e: ScannedEntry = { name, mode: u32(), uid: u32(), gid: u32(), nlink: u32(), size: u64(), blocks: u64(), ino: u64(), mtimeNs: u64(), ctimeNs: u64() };
    const linkErr = i32();
    const targetLen = u32();
    if (targetLen !== ABSENT) e.target = bytes(targetLen);
    if (linkErr !== 0) e.error = errnoError(linkErr, 'readlink');
    const xattrErr = i32();
    const failedCall = buf[at++] === 1 ? 'lgetxattr' : 'llistxattr';
    if (xattrErr !== 0) e.error = errnoError(xattrErr, failedCall);
    const attrs = u32();
    if (attrs !== ABSENT) {
      const xattrs: RawXattrs = new Array(attrs);
      for (let k = 0; k < attrs; k++) {
        const keyLength = u16();
        const key = buf.toString('latin1', at, at += keyLength);
        xattrs[k] = [key, bytes(u32())];
      }
      e.xattrs = xattrs;
    }
    entries[i] = e;
  }
  return entries;
}

/**
 * `twoLevels`: read every subdirectory instead, naming its entries `sub/name` (the handle
 * tree's buckets: one scanner per .glusterfs/xx rather than one per xx/yy).
 */
export async function* scanDirectory(path: BrickPath, opts: { xattrs: boolean; batch?: number; twoLevels?: boolean }): AsyncGenerator<ScannedEntry[]> {
  const scanner = native.openScanner(path, opts.xattrs, opts.twoLevels ?? false);
  try {
    for (;;) {
      const batch = await native.readBatch(scanner, opts.batch ?? 256);
      if (batch === null) return;
      yield parseBatch(batch);
    }
  } finally {
    native.closeScanner(scanner);
  }
}
