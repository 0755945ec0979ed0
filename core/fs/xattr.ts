/**
 * No-follow xattr access (see native/xattr.c for why we carry our own binding).
 * Paths are Buffers or strings; attribute names are latin1 strings (one char per byte).
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type BrickPath = Buffer | string;
export type RawXattrs = Array<[name: string, value: Buffer]>;

interface NativeXattr {
  getAll(path: BrickPath): RawXattrs;
  getAllAsync(path: BrickPath): Promise<RawXattrs>;
  get(path: BrickPath, name: string): Buffer | null;
  set(path: BrickPath, name: string, value: Buffer, flags?: number): void;
  remove(path: BrickPath, name: string): void;
}

function loadNative(): NativeXattr {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('gfsck: cannot find the project root (package.json)');
    dir = up;
  }
  const require = createRequire(import.meta.url);
  return require(join(dir, 'build', 'Release', 'gfsck_native.node')) as NativeXattr;
}

const native = loadNative();

/** All xattrs of the path itself (never a symlink's target). Throws with err.code on failure. */
export const listXattrs = (path: BrickPath): RawXattrs => native.getAll(path);
/** Same, on the libuv thread pool, so many entries can be read concurrently. */
export const listXattrsAsync = (path: BrickPath): Promise<RawXattrs> => native.getAllAsync(path);
/** One xattr's value, or null when absent (ENODATA). Other errors throw. */
export const getXattr = (path: BrickPath, name: string): Buffer | null => native.get(path, name);

export const XATTR_CREATE = 1;
export const XATTR_REPLACE = 2;
export const setXattr = (path: BrickPath, name: string, value: Buffer, flags = 0): void =>
  native.set(path, name, value, flags);
export const removeXattr = (path: BrickPath, name: string): void => native.remove(path, name);
