/**
 * Metadata direction of one inode in one set (heal-sources.md §1.5, §2.5, §4): which bricks
 * hold the metadata heal copies (mode, owner, the compared xattrs, mdata times) and which
 * must receive it.
 *   disperse   the largest group of bricks whose metadata is identical (first in member
 *              order on a tie); fewer than K alike and GlusterFS cannot heal it: the copy
 *              with the highest metadata version is what gfsck would take;
 *   replicate  the AFR metadata sources, settled in split-brain as AFR settles it or by
 *              the admin's policy (judgeAfrMetadata);
 *   distribute the one copy.
 */
import { afrSources, witness, type PendingMatrix, type QuorumRule } from './afr.ts';
import { changeTime, modifyTime } from './times.ts';
import { describePolicy, pickByPolicy, policyOutcomes, type Policy, type PolicyPick } from './policy.ts';
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

function metadataParts(c: BrickCopy): Record<MetadataPart, string> {
  const names = [...c.xattrs.keys()].filter((n) => comparedXattr(n) && n !== 'trusted.glusterfs.mdata').sort();
  return {
    mode: `${c.type} ${(c.mode & 0o7777).toString(8)}${c.target ? ` -> ${c.target.toString('hex')}` : ''}`,
    owner: `${c.uid}:${c.gid}`,
    mdata: c.xattrs.get('trusted.glusterfs.mdata')?.toString('hex') ?? 'none',
    xattrs: names.map((n) => `${n}=${c.xattrs.get(n)!.toString('hex')}`).join(','),
  };
}

const metadataKey = (c: BrickCopy): string => JSON.stringify(metadataParts(c));
const metadataKeyWithoutTimes = (c: BrickCopy): string => JSON.stringify({ ...metadataParts(c), mdata: null });

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
  /** AFR split-brain: what each policy would keep. */
  outcomes?: Array<{ policy: string; pick: PolicyPick }>;
  /** How a split-brain was settled, when it was. */
  note?: string;
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

/**
 * §2.5: the AFR metadata sources (one with pending metadata writes, if any, alone); in
 * split-brain, identical metadata everywhere, the admin's policy, or for directories that
 * differ only in their times the newest mtime; else nothing is chosen, and the newest
 * change time is only the guess a rebuild takes.
 */
export function judgeAfrMetadata(copies: BrickCopy[], matrix: PendingMatrix, quorum: QuorumRule, policy: Policy | null, setSize: number): MetadataVerdict {
  const ordered = [...copies].sort((a, b) => a.member - b.member);
  const direction = afrSources(matrix, 'metadata', quorum);
  if (!direction.splitBrain) {
    const sources = ordered.filter((c) => direction.sources.includes(c.member));
    const witnessed = sources.find((c) => witness(matrix, 'metadata', c.member) !== 0);
    const from = witnessed ?? sources[0]!;
    return verdict(ordered, (witnessed ? [witnessed] : sources).map((c) => c.member), from, 'ok', null);
  }
  const all = ordered.map((c) => c.member);
  if (new Set(ordered.map(metadataKey)).size === 1) return verdict(ordered, all, ordered[0]!, 'ok', null);
  const outcomes = policyOutcomes(ordered, setSize);
  if (policy) {
    const pick = pickByPolicy(policy, ordered, setSize);
    const chosen = ordered.find((c) => c.member === pick.member);
    if (chosen) return { ...verdict(ordered, [chosen.member], chosen, 'ok', null), outcomes, note: `--policy ${describePolicy(policy)}: ${pick.why}` };
  }
  if (ordered.every((c) => c.type === 'dir') && new Set(ordered.map((c) => metadataKeyWithoutTimes(c))).size === 1) {
    const newest = ordered.reduce((a, b) => (modifyTime(b) > modifyTime(a) ? b : a));
    return { ...verdict(ordered, [newest.member], newest, 'ok', null), note: 'a directory whose copies differ only in their times: the newest mtime' };
  }
  const from = ordered.reduce((a, b) => (changeTime(b) > changeTime(a) ? b : a));
  return { ...verdict(ordered, [], from, 'split-brain', { member: from.member, why: `metadata split-brain (${direction.describe}); the newest change time` }), outcomes };
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
