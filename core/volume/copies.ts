/**
 * What the recovery engine works on: one brick's copy of a name (or of an inode reached
 * through its handle), the volume's shape, and typed access to a copy's xattrs.
 */
import type { EntryType } from '../brick/entry.ts';
import { decodedToJson, decodeXattr, type Decoded } from '../xattr/decode.ts';
import { dataFragments, type BrickSet, type VolumeLayout } from './layout.ts';
import type { XattrJson } from '../index/xattr-column.ts';
import { isLinktoFile } from '../dht/linkto.ts';

export interface BrickCopy {
  /** Position of the brick in volume order. */
  brick: number;
  /** DHT subvolume (replica/disperse set) and the index inside it (the EC fragment index). */
  set: number;
  member: number;
  /** Volume path of the name ('/a/b'); for an inode found only through its handle, the handle's path. */
  path: Buffer;
  /** Absolute path to read on the brick. */
  file: Buffer;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  /** On-brick length (an EC fragment's length). */
  size: number;
  inode: bigint;
  nlink: number;
  mtimeNs: bigint;
  target: Buffer | null;
  /** Raw xattr values by name, as read from the brick. */
  xattrs: ReadonlyMap<string, Buffer>;
}

export interface VolumeShape {
  layout: VolumeLayout;
  sets: BrickSet[];
  /** Brick roots in volume order. */
  roots: Buffer[];
}

export function isDisperse(shape: VolumeShape): boolean {
  return shape.layout.kind === 'disperse';
}

/** K of a disperse volume (1 otherwise: one copy is enough). */
export function requiredCopies(shape: VolumeShape): number {
  return isDisperse(shape) ? dataFragments(shape.layout) : 1;
}

export function setOf(shape: Pick<VolumeShape, 'layout'>, brick: number): { set: number; member: number } {
  const size = shape.layout.setSize;
  return { set: Math.floor(brick / size), member: brick % size };
}

/** The decoded value of one xattr, or null when the copy does not carry it. */
export function xattr(copy: BrickCopy, name: string): Decoded | null {
  const value = copy.xattrs.get(name);
  return value === undefined ? null : decodeXattr(name, value);
}

/** The decoded JSON form the AFR helpers (core/heal/afr.ts) read. */
export function xattrJson(copy: BrickCopy): XattrJson {
  // A dictionary from the start: keys such as a gfid2path hash are unique per file, and as
  // properties of a plain object each would leave V8 one more hidden class behind.
  const json: XattrJson = Object.create(null) as XattrJson;
  for (const [name, value] of copy.xattrs) json[name] = decodedToJson(decodeXattr(name, value)) as XattrJson[string];
  return json;
}

export function gfidOf(copy: BrickCopy): string | null {
  const d = xattr(copy, 'trusted.gfid');
  return d?.kind === 'gfid' ? d.gfid : null;
}

/** A DHT linkto pointer (mode exactly sticky-only and the linkto xattr): never data, never a name. */
export function isLinktoCopy(copy: BrickCopy): boolean {
  return isLinktoFile(copy.type, copy.mode, xattr(copy, 'trusted.glusterfs.dht.linkto')?.kind === 'dht-linkto');
}

/** How every report names a brick: its position in volume order. */
export const brickLabel = (brick: number): string => `#${brick}`;
