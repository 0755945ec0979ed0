/** One inode on a brick as the catalog records it: stat, decoded xattrs, derived EC/DHT fields. */
import { constants, type BigIntStats } from 'node:fs';
import type { StattedEntry } from '../fs/dirscan.ts';
import { decodeXattr, ecShape } from '../xattr/decode.ts';
import type { RawXattrs } from '../fs/native.ts';
import { xattrColumn } from '../index/xattr-column.ts';

export type EntryType = 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'chardev' | 'blockdev';

const TYPE_BY_FORMAT: Record<number, EntryType> = {
  [constants.S_IFREG]: 'file', [constants.S_IFDIR]: 'dir', [constants.S_IFLNK]: 'symlink', [constants.S_IFIFO]: 'fifo',
  [constants.S_IFSOCK]: 'socket', [constants.S_IFCHR]: 'chardev', [constants.S_IFBLK]: 'blockdev',
};

export function entryType(mode: number): EntryType {
  return TYPE_BY_FORMAT[mode & constants.S_IFMT] ?? 'file';
}

export interface StatFields {
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: bigint;
  blocks: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  nlink: number;
  inode: bigint;
}

/** From the batched scanner's entry, or from fs.lstat(path, { bigint: true }). */
export function statFields(st: StattedEntry | BigIntStats): StatFields {
  const mode = Number(st.mode);
  return {
    type: entryType(mode),
    mode: mode & 0o7777,
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: st.size,
    blocks: st.blocks,
    mtimeNs: st.mtimeNs,
    ctimeNs: st.ctimeNs,
    nlink: Number(st.nlink),
    inode: st.ino,
  };
}

/** Columns the checks query directly; everything else stays in the decoded JSON. */
export interface XattrSummary {
  gfid: string | null;
  ecConfig: string | null;
  ecSize: bigint | null;
  ecVersionData: bigint | null;
  ecVersionMeta: bigint | null;
  ecHealing: boolean;
  ecDirtyData: bigint | null;
  ecDirtyMeta: bigint | null;
  linkto: string | null;
  shardSize: bigint | null;
  /** A malformed value or a non-zero AFR counter: the checks must read the JSON. */
  suspect: boolean;
  /** gfid2path values present, and whether every key is the XXH64 of its value. */
  gfid2pathValues: Buffer[];
  gfid2pathKeysMatch: boolean;
  /** The catalog's xattrs column (index/xattr-column.ts). */
  json: string;
}

/** From the raw (name, value) pairs as listed; each value is decoded once, here. */
export function summarizeXattrs(raw: RawXattrs): XattrSummary {
  const s: XattrSummary = {
    gfid: null, ecConfig: null, ecSize: null, ecVersionData: null, ecVersionMeta: null, ecHealing: false,
    ecDirtyData: null, ecDirtyMeta: null, linkto: null, shardSize: null, suspect: false, gfid2pathValues: [],
    gfid2pathKeysMatch: true, json: xattrColumn(raw),
  };
  for (const [name, value] of raw) {
    const d = decodeXattr(name, value);
    switch (d.kind) {
      case 'gfid': s.gfid = d.gfid; break;
      case 'ec-config': s.ecConfig = ecShape(d.config); break;
      case 'ec-size': s.ecSize = d.size; break;
      case 'ec-version': s.ecVersionData = d.data; s.ecVersionMeta = d.metadata; s.ecHealing = d.healing; break;
      case 'ec-dirty': s.ecDirtyData = d.data; s.ecDirtyMeta = d.metadata; break;
      case 'dht-linkto': s.linkto = d.subvolume; break;
      case 'shard-file-size': s.shardSize = d.size; break;
      case 'malformed': s.suspect = true; break;
      case 'afr-dirty': case 'afr-pending':
        if (d.counters.data !== 0 || d.counters.metadata !== 0 || d.counters.entry !== 0) s.suspect = true;
        break;
      case 'gfid2path':
        s.gfid2pathValues.push(value);
        s.gfid2pathKeysMatch &&= d.keyMatches;
        break;
    }
  }
  return s;
}
