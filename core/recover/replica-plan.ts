/**
 * Which replica of one file to copy: the copy the heal verdict's data direction reads
 * (core/heal/afr-data.ts), never the arbiter, whose files hold no data. In split-brain
 * nothing says which copy is right: without a policy every candidate is recovered side by
 * side for the admin to compare; with one, the copy it keeps.
 */
import { judgeAfrData } from '../heal/afr-data.ts';
import { pendingMatrix, quorumRule } from '../heal/afr.ts';
import type { Policy } from '../heal/policy.ts';
import type { Exclusion } from './ec-plan.ts';
import { arbiterMember } from '../volume/layout.ts';
import { setOf, xattrJson, type BrickCopy, type VolumeShape } from '../volume/copies.ts';

export interface ReplicaPlan {
  source: BrickCopy;
  /** The copy is not an AFR source (none was available). */
  stale: boolean;
  excluded: Exclusion[];
  notes: string[];
}

export type ReplicaChoice =
  | { ok: true; plan: ReplicaPlan }
  /** Split-brain without a policy: the candidate copies, each to be recovered under its own name. */
  | { ok: 'sides'; sides: BrickCopy[]; reason: string; excluded: Exclusion[] }
  | { ok: false; reason: string; excluded: Exclusion[] };

export function chooseReplica(copies: BrickCopy[], shape: VolumeShape, policy: Policy | null): ReplicaChoice {
  const ordered = [...copies].sort((a, b) => a.member - b.member);
  const arbiter = arbiterMember(shape.layout);
  const excluded: Exclusion[] = [];
  const candidates: BrickCopy[] = [];
  for (const c of ordered) {
    if (c.member === arbiter) excluded.push({ brick: c.brick, reason: 'arbiter: stores names and metadata, no data' });
    else if (c.type !== 'file') excluded.push({ brick: c.brick, reason: `not a regular file on this brick (${c.type})` });
    else candidates.push(c);
  }
  if (candidates.length === 0) return { ok: false, reason: 'no data brick holds this file', excluded };
  const set = shape.sets[ordered[0]!.set]!;
  if (shape.layout.kind !== 'replicate' || set.bricks.length < shape.layout.setSize || ordered.length === 1) {
    return { ok: true, plan: { source: candidates[0]!, stale: false, excluded, notes: [] } };
  }
  const matrix = pendingMatrix(set, ordered.map((c) => ({ member: c.member, xattrs: xattrJson(c) })));
  const participants = set.bricks.map((b) => setOf(shape, b).member);
  const data = judgeAfrData(ordered, matrix, quorumRule(shape.layout), arbiter, policy, participants);
  const source = candidates.find((c) => c.member === data.copyFrom);
  if (!source) {
    const why = data.how === 'arbiter-only' ? 'only the arbiter is a data source' : `data split-brain (pending matrix ${data.direction.describe})`;
    const notes = data.notes.length > 0 ? `; ${data.notes.join('; ')}` : '';
    return { ok: 'sides', sides: candidates, reason: `${why}: nothing says which copy is right${notes}`, excluded };
  }
  for (const c of candidates) {
    if (c === source) continue;
    excluded.push({ brick: c.brick, reason: data.sinks.includes(c.member) ? 'stale: the heal verdict rewrites it from the source' : 'not needed: another copy was used' });
  }
  return { ok: true, plan: { source, stale: false, excluded, notes: data.notes } };
}
