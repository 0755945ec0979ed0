/**
 * Data direction of one file in a replica set (heal-sources.md §2.3, §2.4, §2.8): the AFR
 * sources and sinks, narrowed to the one copy heal reads from, as AFR narrows them; the
 * arbiter, which holds names and metadata but no data, is never that copy and never
 * written. In split-brain only an empty file everywhere, or the admin's policy, names the
 * copy to keep.
 */
import { brickLabel, type BrickCopy } from '../volume/copies.ts';
import { afrSources, witness, type AfrDirection, type PendingMatrix, type QuorumRule } from './afr.ts';
import { changeTime } from './times.ts';
import { describePolicy, pickByPolicy, policyOutcomes, type Policy, type PolicyPick } from './policy.ts';

export interface AfrDataVerdict {
  direction: AfrDirection;
  /** The member heal reads from; null when nothing says which copy is right. */
  copyFrom: number | null;
  /** Members whose data is good after the narrowing (the arbiter counted as AFR counts it). */
  sources: number[];
  /** Members whose data heal rewrites (never the arbiter). */
  sinks: number[];
  /** How the copy was chosen. */
  how: 'sources' | 'empty' | 'policy' | 'split-brain' | 'arbiter-only';
  /** What each policy would keep, for a split-brain. */
  outcomes: Array<{ policy: string; pick: PolicyPick }>;
  notes: string[];
}

/** `participants`: the set's members, with or without a copy (a member without one is a sink). */
export function judgeAfrData(copies: BrickCopy[], matrix: PendingMatrix, quorum: QuorumRule, arbiter: number | null, policy: Policy | null, participants: number[]): AfrDataVerdict {
  const setSize = participants.length;
  const ordered = [...copies].sort((a, b) => a.member - b.member);
  const direction = afrSources(matrix, 'data', quorum);
  const data = ordered.filter((c) => c.member !== arbiter);
  const members = ordered.map((c) => c.member);
  const sinksBut = (keep: number[]) => participants.filter((m) => m !== arbiter && !keep.includes(m));
  const base = { direction, outcomes: [] as AfrDataVerdict['outcomes'], notes: [] as string[] };
  if (data.every((c) => c.size === 0) && (direction.splitBrain || direction.sources.every((s) => s === arbiter))) {
    // Empty everywhere: nothing to choose between; the first data brick is the source.
    const first = data[0]?.member ?? null;
    return { ...base, copyFrom: first, sources: members, sinks: [], how: 'empty' };
  }
  if (direction.splitBrain || direction.sources.every((s) => s === arbiter)) {
    const how = direction.splitBrain ? 'split-brain' : 'arbiter-only';
    const outcomes = policyOutcomes(data, setSize);
    if (policy) {
      const pick = pickByPolicy(policy, data, setSize);
      const note = `--policy ${describePolicy(policy)}: ${pick.why}`;
      if (pick.member !== null) return { ...base, outcomes, copyFrom: pick.member, sources: [pick.member], sinks: sinksBut([pick.member]), how: 'policy', notes: [note] };
      return { ...base, outcomes, copyFrom: null, sources: [], sinks: [], how, notes: [note] };
    }
    return { ...base, outcomes, copyFrom: null, sources: [], sinks: [], how };
  }
  const sourceCopies = data.filter((c) => direction.sources.includes(c.member));
  const chosen = narrow(sourceCopies, matrix);
  const sources = direction.sources.filter((m) => m === arbiter || chosen.includes(m));
  const notes = chosen.length < sourceCopies.length
    ? [`the sources disagree in size or pending writes: ${brickLabel(ordered.find((c) => c.member === chosen[0])!.brick)} is kept (largest, then most pending writes, then newest ctime)`]
    : [];
  return { ...base, copyFrom: chosen[0]!, sources, sinks: sinksBut(chosen), how: 'sources', notes };
}

/**
 * §2.4 step 2: sources of one size and no pending writes all stay; otherwise the largest,
 * then the most pending writes, then the newest ctime (seconds; the last brick among equals).
 */
function narrow(sources: BrickCopy[], matrix: PendingMatrix): number[] {
  const w = (c: BrickCopy) => witness(matrix, 'data', c.member);
  if (sources.every((c) => c.size === sources[0]!.size && w(c) === 0)) return sources.map((c) => c.member);
  const ctimeSeconds = (c: BrickCopy) => changeTime(c) / 1_000_000_000n;
  const best = sources.reduce((a, b) => {
    if (b.size !== a.size) return b.size > a.size ? b : a;
    if (w(b) !== w(a)) return w(b) > w(a) ? b : a;
    return ctimeSeconds(b) >= ctimeSeconds(a) ? b : a;
  });
  return [best.member];
}
