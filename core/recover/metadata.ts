/**
 * Whose metadata (mode, owner, times, symlink target, user xattrs) a recovered inode gets:
 * the copy the heal verdict's metadata direction copies from (core/heal/metadata.ts), and
 * when GlusterFS could not heal it, the copy gfsck takes anyway, said in a note. Times come
 * from trusted.glusterfs.mdata, which GlusterFS treats as authoritative; a copy without it
 * keeps the brick's own times.
 */
import { pendingMatrix, quorumRule } from '../heal/afr.ts';
import type { Policy } from '../heal/policy.ts';
import { judgeAfrMetadata, judgeEcMetadata, soleMetadata } from '../heal/metadata.ts';
import type { Timestamp } from '../xattr/decode.ts';
import { brickLabel, requiredCopies, xattr, xattrJson, type BrickCopy, type VolumeShape } from '../volume/copies.ts';

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

export function chooseMetadata(copies: BrickCopy[], shape: VolumeShape, policy: Policy | null): Metadata {
  const ordered = [...copies].sort((a, b) => a.brick - b.brick);
  let verdict = soleMetadata(ordered[0]!);
  if (ordered.length > 1 && shape.layout.kind === 'disperse') {
    verdict = judgeEcMetadata(ordered, requiredCopies(shape));
  } else if (ordered.length > 1 && shape.layout.kind === 'replicate') {
    const set = shape.sets[ordered[0]!.set]!;
    verdict = judgeAfrMetadata(ordered, pendingMatrix(set, ordered.map((c) => ({ member: c.member, xattrs: xattrJson(c) }))), quorumRule(shape.layout), policy, shape.layout.setSize);
  }
  const chosen = ordered.find((c) => c.member === verdict.copyFrom) ?? ordered[0]!;
  const notes = verdict.fallback ? [`metadata: ${verdict.fallback.why}: took ${brickLabel(chosen.brick)}`] : verdict.note ? [`metadata: ${verdict.note}`] : [];
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
