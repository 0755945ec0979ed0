/** One inode on a brick as the catalog records it: stat, decoded xattrs, derived EC/DHT fields. */
import type { BigIntStats } from 'node:fs';
import { decodedToJson, type XattrRecord } from '../xattr/decode.ts';

export type EntryType = 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'chardev' | 'blockdev';

export function entryType(st: BigIntStats): EntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'chardev';
  return 'blockdev';
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

export function statFields(st: BigIntStats): StatFields {
  return {
    type: entryType(st),
    mode: Number(st.mode & 0o7777n),
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
  json: string;
}

export function summarizeXattrs(xattrs: XattrRecord[]): XattrSummary {
  const s: XattrSummary = {
    gfid: null, ecConfig: null, ecSize: null, ecVersionData: null, ecVersionMeta: null, ecHealing: false,
    ecDirtyData: null, ecDirtyMeta: null, linkto: null, shardSize: null, json: '',
  };
  const json: Record<string, unknown> = {};
  for (const { name, value, decoded: d } of xattrs) {
    json[name] = d.kind === 'raw' || d.kind === 'malformed' ? { ...decodedToJson(d) as object, hex: value.toString('hex') } : decodedToJson(d);
    switch (d.kind) {
      case 'gfid': s.gfid = d.gfid; break;
      case 'ec-config': s.ecConfig = `${d.config.bricks - d.config.redundancy}+${d.config.redundancy}`; break;
      case 'ec-size': s.ecSize = d.size; break;
      case 'ec-version': s.ecVersionData = d.data; s.ecVersionMeta = d.metadata; s.ecHealing = d.healing; break;
      case 'ec-dirty': s.ecDirtyData = d.data; s.ecDirtyMeta = d.metadata; break;
      case 'dht-linkto': s.linkto = d.subvolume; break;
      case 'shard-file-size': s.shardSize = d.size; break;
    }
  }
  s.json = JSON.stringify(json);
  return s;
}

