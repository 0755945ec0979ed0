/**
 * Catalog rows as brick copies (core/volume/copies.ts): the one conversion, used by the
 * check passes and by the recovery engine, so both judge the same values.
 */
import { joinPath } from '../fs/names.ts';
import type { EntryType } from '../brick/entry.ts';
import { setOf, type BrickCopy, type VolumeShape } from '../volume/copies.ts';

/** The entry columns a copy is made of (numbers or bigints: statements may use safeIntegers). */
export interface CopyRow {
  position: number | bigint;
  path: Buffer;
  type: string;
  mode: number | bigint;
  uid: number | bigint;
  gid: number | bigint;
  size: number | bigint;
  inode: number | bigint;
  nlink: number | bigint;
  mtime_ns: number | bigint;
  target: Buffer | null;
  xattrs: string;
}

/** SQL select list for CopyRow from `entries e JOIN bricks b`. */
export const COPY_COLUMNS = `b.position, e.path, e.type, e.mode, e.uid, e.gid, e.size, e.inode, e.nlink, e.mtime_ns, e.target, e.xattrs`;

/** The xattrs column (hex by name) as raw values. */
export function rawXattrs(column: string | null): Map<string, Buffer> {
  const map = new Map<string, Buffer>();
  if (!column) return map;
  for (const [name, hex] of Object.entries(JSON.parse(column) as Record<string, string>)) map.set(name, Buffer.from(hex, 'hex'));
  return map;
}

export function brickFile(root: Buffer, path: Buffer): Buffer {
  return path.length === 1 ? root : joinPath(root, path.subarray(1));
}

export function copyFromRow(r: CopyRow, shape: Pick<VolumeShape, 'layout' | 'roots'>): BrickCopy {
  const position = Number(r.position);
  const { set, member } = setOf(shape, position);
  return {
    brick: position,
    set,
    member,
    path: r.path,
    file: brickFile(shape.roots[position]!, r.path),
    type: r.type as EntryType,
    mode: Number(r.mode),
    uid: Number(r.uid),
    gid: Number(r.gid),
    size: Number(r.size),
    inode: BigInt(r.inode),
    nlink: Number(r.nlink),
    mtimeNs: BigInt(r.mtime_ns),
    target: r.target,
    xattrs: rawXattrs(r.xattrs),
  };
}
