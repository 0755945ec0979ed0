/**
 * No-follow xattr access (see native/xattr.c for why we carry our own binding).
 * Paths are Buffers or strings; attribute names are latin1 strings (one char per byte).
 */
import { native, type BrickPath, type RawXattrs } from './native.ts';

export type { BrickPath, RawXattrs };

/** All xattrs of the path itself (never a symlink's target). Throws with err.code on failure. */
export const listXattrs = (path: BrickPath): RawXattrs => native.getAll(path);
/** Same, on the libuv thread pool, so many entries can be read concurrently. */
export const listXattrsAsync = (path: BrickPath): Promise<RawXattrs> => native.getAllAsync(path);
/** One xattr's value, or null when absent (ENODATA). Other errors throw. */
export const getXattr = (path: BrickPath, name: string): Buffer | null => native.get(path, name);

export const XATTR_CREATE = 1;
export const setXattr = (path: BrickPath, name: string, value: Buffer, flags = 0): void =>
  native.set(path, name, value, flags);
export const removeXattr = (path: BrickPath, name: string): void => native.remove(path, name);
