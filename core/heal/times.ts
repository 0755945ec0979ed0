/** A copy's times as clients see them: from trusted.glusterfs.mdata, else the brick's own. */
import { xattr, type BrickCopy } from '../volume/copies.ts';

const ns = (t: { sec: bigint; nsec: bigint }): bigint => t.sec * 1_000_000_000n + t.nsec;

/** ctime in ns; without mdata, the brick's mtime (the brick's ctime is the heal's own). */
export function changeTime(c: BrickCopy): bigint {
  const d = xattr(c, 'trusted.glusterfs.mdata');
  return d?.kind === 'mdata' ? ns(d.mdata.ctime) : c.mtimeNs;
}

/** mtime in ns. */
export function modifyTime(c: BrickCopy): bigint {
  const d = xattr(c, 'trusted.glusterfs.mdata');
  return d?.kind === 'mdata' ? ns(d.mdata.mtime) : c.mtimeNs;
}
