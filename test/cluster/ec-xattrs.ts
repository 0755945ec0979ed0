/** The EC counters of a fragment on a brick (ec-format.md §6), read directly. */
import { statSync } from 'node:fs';
import { getXattr } from '../../core/fs/xattr.ts';

export interface FragmentState {
  fragmentBytes: number;
  /** trusted.ec.size (absent = 0). */
  ecSize: number;
  versionData: number;
  versionMeta: number;
  dirtyData: number;
  dirtyMeta: number;
}

const u64 = (buf: Buffer | null, index: number): number => (buf ? Number(buf.readBigUInt64BE(index * 8)) : 0);

export function fragmentState(path: string): FragmentState {
  const version = getXattr(path, 'trusted.ec.version');
  const dirty = getXattr(path, 'trusted.ec.dirty');
  return {
    fragmentBytes: statSync(path).size,
    ecSize: u64(getXattr(path, 'trusted.ec.size'), 0),
    versionData: u64(version, 0),
    versionMeta: u64(version, 1),
    dirtyData: u64(dirty, 0),
    dirtyMeta: u64(dirty, 1),
  };
}

/** Fragment length GlusterFS expects for a file of `size` bytes on a K-data-brick set: whole 512-byte chunks per stripe. */
export const expectedFragmentBytes = (size: number, k: number): number => 512 * Math.ceil(size / (512 * k));
