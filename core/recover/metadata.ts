/**
 * Whose metadata (mode, owner, times, symlink target, user xattrs) an inode gets:
 *   disperse   the largest group of bricks whose metadata is identical, as EC's metadata heal
 *              compares it (heal-sources.md §1.5); with fewer than K alike, the copy with the
 *              highest metadata version, said in a note;
 *   replicate  the lowest-numbered metadata source of the AFR changelog (§2.5), the arbiter
 *              included (it holds metadata); in split-brain the copy with the newest ctime;
 *   distribute the one copy.
 * Times come from trusted.glusterfs.mdata, which GlusterFS treats as authoritative; a copy
 * without it keeps the brick's own times.
 */
import { afrSources, pendingMatrix } from '../heal/afr.ts';
import type { Timestamp } from '../xattr/decode.ts';
import { brickLabel, requiredCopies, xattr, xattrJson, type BrickCopy, type VolumeShape } from './model.ts';

export interface Metadata {
  copy: BrickCopy;
  mode: number;
  uid: number;
  gid: number;
  /** From mdata; null means: take the brick copy's own times. */
  times: { atime: Timestamp; mtime: Timestamp } | null;
  userXattrs: Array<[string, Buffer]>;
  notes: string[];
}

/** xattrs that metadata heal does not compare: EC's own counters and per-brick bookkeeping. */
function comparedXattr(name: string): boolean {
  return !name.startsWith('trusted.ec.') && !name.startsWith('trusted.gfid2path.') && !name.startsWith('trusted.afr.') &&
    name !== 'trusted.glusterfs.selinux' && name !== 'trusted.glusterfs.quota.size';
}

function metadataKey(c: BrickCopy): string {
  const xattrs = [...c.xattrs].filter(([n]) => comparedXattr(n)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([c.type, c.mode, c.uid, c.gid, c.target?.toString('hex') ?? null, xattrs.map(([n, v]) => [n, v.toString('hex')])]);
}

export function chooseMetadata(copies: BrickCopy[], shape: VolumeShape): Metadata {
  const ordered = [...copies].sort((a, b) => a.brick - b.brick);
  const notes: string[] = [];
  let chosen = ordered[0]!;
  if (ordered.length > 1 && shape.layout.kind === 'disperse') {
    const groups = new Map<string, BrickCopy[]>();
    for (const c of ordered) {
      const key = metadataKey(c);
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
    let best: BrickCopy[] = [];
    for (const g of groups.values()) if (g.length > best.length) best = g;
    const k = requiredCopies(shape);
    if (best.length >= k) {
      chosen = best[0]!;
    } else {
      chosen = ordered.reduce((a, b) => (metadataVersion(b) > metadataVersion(a) ? b : a));
      notes.push(`metadata: no ${k} bricks agree; took ${brickLabel(chosen.brick)}, which has the highest metadata version`);
    }
  } else if (ordered.length > 1 && shape.layout.kind === 'replicate') {
    const set = shape.sets[chosen.set]!;
    const direction = afrSources(pendingMatrix(set, ordered.map((c) => ({ member: c.member, xattrs: xattrJson(c) }))), 'metadata');
    const sources = ordered.filter((c) => direction.sources.includes(c.member));
    if (sources.length > 0) {
      chosen = sources[0]!;
    } else {
      chosen = ordered.reduce((a, b) => (changeTime(b) > changeTime(a) ? b : a));
      notes.push(`metadata split-brain (${direction.describe}); took ${brickLabel(chosen.brick)}, the newest change time`);
    }
  }
  const mdata = xattr(chosen, 'trusted.glusterfs.mdata');
  return {
    copy: chosen,
    mode: chosen.mode,
    uid: chosen.uid,
    gid: chosen.gid,
    times: mdata?.kind === 'mdata' ? { atime: mdata.mdata.atime, mtime: mdata.mdata.mtime } : null,
    userXattrs: [...chosen.xattrs].filter(([name]) => name.startsWith('user.')),
    notes,
  };
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
