/**
 * Metadata direction of one inode in one set (heal-sources.md §1.5, §2.5, §4): which bricks
 * hold the metadata heal copies (mode, owner, the compared xattrs, mdata times) and which
 * must receive it.
 *   disperse   the largest group of bricks whose metadata is identical (first in member
 *              order on a tie); fewer than K alike and GlusterFS cannot heal it: the copy
 *              with the highest metadata version is what gfsck would take;
 *   replicate  the AFR metadata sources; in split-brain none, and the newest ctime is the
 *              guess rebuild takes;
 *   distribute the one copy.
 */
import type { PendingMatrix } from './afr.ts';
import { afrSources } from './afr.ts';
import { xattr, type BrickCopy } from '../volume/copies.ts';

/** xattrs metadata heal compares and copies: not per-brick bookkeeping, counters or per-name keys. */
export function comparedXattr(name: string): boolean {
  return !(
    name.startsWith('trusted.ec.') || name.startsWith('trusted.afr.') || name.startsWith('trusted.gfid2path.') ||
    name === 'trusted.gfid' || name === 'trusted.glusterfs.selinux' || name === 'trusted.glusterfs.quota.size' ||
    name === 'trusted.glusterfs.volume-id' || name.endsWith('.xtime') || name.endsWith('.stime')
  );
}

/** The parts of metadata compared separately, so a report can say which one differs. */
export const METADATA_PARTS = ['mode', 'owner', 'mdata', 'xattrs'] as const;
export type MetadataPart = (typeof METADATA_PARTS)[number];

export function metadataParts(c: BrickCopy): Record<MetadataPart, string> {
  const names = [...c.xattrs.keys()].filter((n) => comparedXattr(n) && n !== 'trusted.glusterfs.mdata').sort();
  return {
    mode: `${c.type} ${(c.mode & 0o7777).toString(8)}${c.target ? ` -> ${c.target.toString('hex')}` : ''}`,
    owner: `${c.uid}:${c.gid}`,
    mdata: c.xattrs.get('trusted.glusterfs.mdata')?.toString('hex') ?? 'none',
    xattrs: names.map((n) => `${n}=${c.xattrs.get(n)!.toString('hex')}`).join(','),
  };
}

const metadataKey = (c: BrickCopy): string => JSON.stringify(metadataParts(c));

export interface MetadataVerdict {
  /** Members holding the metadata to keep (EC: the equal group; AFR: the sources). */
  sources: number[];
  /** Members whose metadata differs from the chosen copy and must be rewritten. */
  sinks: number[];
  /** The member whose metadata is copied (null when nothing can be chosen). */
  copyFrom: number | null;
  /** Which parts differ between the chosen copy and each sink. */
  differs: MetadataPart[];
  /** 'ok', or why GlusterFS cannot heal it ('no-quorum': EC; 'split-brain': AFR). */
  reason: 'ok' | 'no-quorum' | 'split-brain';
  /** When reason is not ok: the copy gfsck takes anyway, and why. */
  fallback: { member: number; why: string } | null;
}

export function judgeEcMetadata(copies: BrickCopy[], k: number): MetadataVerdict {
  const ordered = [...copies].sort((a, b) => a.member - b.member);
  const groups = new Map<string, BrickCopy[]>();
  let best: BrickCopy[] = [];
  for (const c of ordered) {
    const key = metadataKey(c);
    const g = groups.get(key) ?? [];
    g.push(c);
    groups.set(key, g);
    if (g.length > best.length) best = g;
  }
  if (best.length >= k) {
    // The copy source is the member with the highest metadata version (equal within the group in practice).
    const from = best.reduce((a, b) => (metadataVersion(b) > metadataVersion(a) ? b : a));
    return verdict(ordered, best.map((c) => c.member), from, 'ok', null);
  }
  const from = ordered.reduce((a, b) => (metadataVersion(b) > metadataVersion(a) ? b : a));
  return verdict(ordered, [], from, 'no-quorum', { member: from.member, why: `no ${k} bricks have identical metadata; the highest metadata version` });
}

export function judgeAfrMetadata(copies: BrickCopy[], matrix: PendingMatrix): MetadataVerdict {
  const ordered = [...copies].sort((a, b) => a.member - b.member);
  const direction = afrSources(matrix, 'metadata');
  const sources = ordered.filter((c) => direction.sources.includes(c.member));
  if (sources.length > 0) return verdict(ordered, sources.map((c) => c.member), sources[0]!, 'ok', null);
  const from = ordered.reduce((a, b) => (changeTime(b) > changeTime(a) ? b : a));
  return verdict(ordered, [], from, 'split-brain', { member: from.member, why: `metadata split-brain (${direction.describe}); the newest change time` });
}

/** One copy: nothing to compare. */
export function soleMetadata(copy: BrickCopy): MetadataVerdict {
  return verdict([copy], [copy.member], copy, 'ok', null);
}

function verdict(ordered: BrickCopy[], sources: number[], from: BrickCopy, reason: MetadataVerdict['reason'], fallback: MetadataVerdict['fallback']): MetadataVerdict {
  const want = metadataParts(from);
  const differs = new Set<MetadataPart>();
  const sinks: number[] = [];
  for (const c of ordered) {
    const have = metadataParts(c);
    const parts = METADATA_PARTS.filter((p) => have[p] !== want[p]);
    if (parts.length === 0) continue;
    sinks.push(c.member);
    for (const p of parts) differs.add(p);
  }
  return { sources, sinks, copyFrom: from.member, differs: METADATA_PARTS.filter((p) => differs.has(p)), reason, fallback };
}

function metadataVersion(c: BrickCopy): bigint {
  const d = xattr(c, 'trusted.ec.version');
  return d?.kind === 'ec-version' ? d.metadata : -1n;
}

/** ctime in ns from mdata (what clients see), else the brick's mtime. */
export function changeTime(c: BrickCopy): bigint {
  const d = xattr(c, 'trusted.glusterfs.mdata');
  return d?.kind === 'mdata' ? d.mdata.ctime.sec * 1_000_000_000n + d.mdata.ctime.nsec : c.mtimeNs;
}

/** mdata layout (brick-layout.md §4.3): version, flags, then ctime, mtime, atime as (sec, nsec) u64 BE pairs. */
const MDATA_LENGTH = 57;
const MDATA_TIMES = [9, 25, 41];

/**
 * What a brick's mdata becomes when heal writes the source's: each of the three times the
 * larger of the two, as GlusterFS's brick merges it. A missing or malformed sink value is replaced.
 */
export function mergeMdata(sink: Buffer | undefined, source: Buffer): Buffer {
  if (!sink || sink.length !== MDATA_LENGTH || source.length !== MDATA_LENGTH) return source;
  const merged = Buffer.from(source);
  for (const at of MDATA_TIMES) {
    const a = [sink.readBigUInt64BE(at), sink.readBigUInt64BE(at + 8)] as const;
    const b = [source.readBigUInt64BE(at), source.readBigUInt64BE(at + 8)] as const;
    if (a[0] > b[0] || (a[0] === b[0] && a[1] > b[1])) sink.copy(merged, at, at, at + 16);
  }
  return merged;
}
