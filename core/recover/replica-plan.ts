/**
 * Which replica of one file to copy (heal-sources.md §2.3, §2.4): the AFR data sources,
 * narrowed like heal does when they disagree (largest size, then the most pending writes
 * recorded in trusted.afr.dirty, then the newest ctime), never the arbiter, whose files hold
 * no data. In split-brain no copy is known good: the largest, newest one is taken and the
 * plan says it was a guess.
 */
import { afrSources, pendingMatrix } from '../heal/afr.ts';
import type { Exclusion } from './ec-plan.ts';
import { changeTime } from '../heal/metadata.ts';
import { brickLabel, xattr, xattrJson, type BrickCopy, type VolumeShape } from '../volume/copies.ts';

export interface ReplicaPlan {
  source: BrickCopy;
  /** The copy is not an AFR source (none was available). */
  stale: boolean;
  /** Split-brain: nothing says which copy is right. */
  guessed: boolean;
  excluded: Exclusion[];
  notes: string[];
}

export type ReplicaChoice = { ok: true; plan: ReplicaPlan } | { ok: false; reason: string; excluded: Exclusion[] };

export function chooseReplica(copies: BrickCopy[], shape: VolumeShape): ReplicaChoice {
  const ordered = [...copies].sort((a, b) => a.member - b.member);
  const arbiter = shape.layout.arbiter ? shape.layout.setSize - 1 : -1;
  const excluded: Exclusion[] = [];
  const candidates: BrickCopy[] = [];
  for (const c of ordered) {
    if (c.member === arbiter) excluded.push({ brick: c.brick, reason: 'arbiter: stores names and metadata, no data' });
    else if (c.type !== 'file') excluded.push({ brick: c.brick, reason: `not a regular file on this brick (${c.type})` });
    else candidates.push(c);
  }
  if (candidates.length === 0) return { ok: false, reason: 'no data brick holds this file', excluded };
  if (shape.layout.kind !== 'replicate' || ordered.length === 1) {
    return { ok: true, plan: { source: candidates[0]!, stale: false, guessed: false, excluded, notes: [] } };
  }
  const set = shape.sets[ordered[0]!.set]!;
  const direction = afrSources(pendingMatrix(set, ordered.map((c) => ({ member: c.member, xattrs: xattrJson(c) }))), 'data');
  const sources = candidates.filter((c) => direction.sources.includes(c.member));
  const notes: string[] = [];
  let pool = sources;
  let stale = false;
  if (direction.splitBrain) {
    pool = candidates;
    notes.push(`data split-brain (pending matrix ${direction.describe}): no copy is known good`);
  } else if (sources.length === 0) {
    pool = candidates;
    stale = true;
    notes.push(`no data brick is an AFR source (${direction.describe}); used the best copy left, which may be stale`);
  }
  const source = narrow(pool);
  if (direction.splitBrain) notes.push(`took ${brickLabel(source.brick)}, the largest and newest copy`);
  for (const c of candidates) {
    if (c === source) continue;
    const reason = direction.splitBrain
      ? 'the other side of the split-brain'
      : direction.sinks.includes(c.member)
        ? 'stale: the AFR changelog of the other bricks accuses it'
        : 'not needed: another copy was used';
    excluded.push({ brick: c.brick, reason });
  }
  return { ok: true, plan: { source, stale, guessed: direction.splitBrain, excluded, notes } };
}

/** Heal's tie-break among sources that disagree: largest size, most pending writes, newest ctime, lowest index. */
function narrow(pool: BrickCopy[]): BrickCopy {
  const witness = (c: BrickCopy): number => {
    const d = xattr(c, 'trusted.afr.dirty');
    return d?.kind === 'afr-dirty' ? d.counters.data : 0;
  };
  return pool.reduce((best, c) => {
    if (c.size !== best.size) return c.size > best.size ? c : best;
    if (witness(c) !== witness(best)) return witness(c) > witness(best) ? c : best;
    return changeTime(c) > changeTime(best) ? c : best;
  });
}
