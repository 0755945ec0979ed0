/**
 * The verdict per set that `heal --sources` and `inspect` both open their reports with:
 * which bricks are stale and for how many entries (as the heal plan counts them, plan.ts),
 * whether the set was given whole and compared, and the one command that heals them.
 */
import type { Db } from '../index/catalog.ts';
import { shellWord } from '../fs/names.ts';
import { brickLabel, type VolumeShape } from '../volume/copies.ts';
import { isCompared } from '../volume/layout.ts';
import type { LayoutSource } from '../volume/resolve.ts';
import { describePolicy, type Policy } from './policy.ts';
import { newSummary, notHealedByApply, planHeal, type SetSummary } from './plan.ts';

/** Each set's summary from the heal plan of every entry, streamed: nothing is kept per entry. */
export async function judgeSets(db: Db, shape: VolumeShape): Promise<SetSummary[]> {
  // With no two bricks of a set given there is nothing to compare, hence nothing to plan.
  if (!shape.sets.some(isCompared)) return shape.sets.map((s) => newSummary(shape, s.index));
  const summaries: SetSummary[] = [];
  for await (const plan of planHeal(db, shape, { trustFragments: false }, summaries)) void plan; // the summaries count as the plan goes
  return summaries;
}

/** The set's bricks that are sinks for some entry, with how many. */
export function staleBricks(s: SetSummary): Array<{ brick: number; entries: number }> {
  return s.bricks.map((brick, m) => ({ brick, entries: s.sinkCounts[m]! })).filter((x) => x.entries > 0);
}

/** "1 entry", "2 entries". */
export const entryCount = (n: number): string => `${n} entr${n === 1 ? 'y' : 'ies'}`;

/** One line per set: which bricks are stale and for how many entries, or why the set was not (wholly) compared. */
export function describeSet(s: SetSummary, shape: VolumeShape): string {
  const given = s.bricks.map(brickLabel).join(',');
  const stale = staleBricks(s);
  const verdict = stale.length === 0 ? 'no brick needs healing' : stale.map((x) => `${brickLabel(x.brick)} stale for ${entryCount(x.entries)}`).join(', ');
  if (s.complete) return `set ${s.set} (${given}): ${verdict}`;
  const size = shape.layout.setSize;
  const head = `${s.bricks.length} of ${size} bricks of set ${s.set} given`;
  if (!s.compared) return `${head}: the set was not compared`;
  return `${head}: ${verdict} among them; the other ${size - s.bricks.length} were not compared, and heal leaves dirty counters and index entries`;
}

/** How the bricks were named on the command line, to repeat in the command that heals them. */
export interface HealInvocation {
  bricks: string[];
  layout: LayoutSource;
  trustFragments?: boolean;
  policy?: Policy;
}

export function healApplyCommand(how: HealInvocation): string {
  const layout = how.layout.volinfo ? ['--volinfo', how.layout.volinfo] : how.layout.layout ? ['--layout', how.layout.layout] : [];
  const replica = [...(how.layout.quorum ? ['--quorum', how.layout.quorum] : []), ...(how.policy ? ['--policy', describePolicy(how.policy)] : [])];
  return ['gfsck', 'heal', '--apply', ...(how.trustFragments ? ['--trust-fragments'] : []), ...replica, ...layout, ...how.bricks].map(shellWord).join(' ');
}

/** The verdict of every set, then what heals them: the command, or why gfsck's heal leaves them. */
export function setVerdictLines(summaries: SetSummary[], shape: VolumeShape, how: HealInvocation): string[] {
  const lines = summaries.map((s) => describeSet(s, shape));
  const unhealed = notHealedByApply(shape.layout);
  if (summaries.some((s) => s.toApply > 0)) {
    lines.push(`heal them with the volume stopped: ${healApplyCommand(how)}`);
  } else if (unhealed && summaries.some((s) => staleBricks(s).length > 0)) {
    lines.push(`${unhealed}: with the volume started, gluster volume heal ${shape.layout.volumeName ?? 'VOLNAME'} heals them`);
  }
  return lines;
}

/** The same verdict for scripts (the summary object of `--json`). */
export function setVerdictJson(s: SetSummary, shape: VolumeShape): Record<string, unknown> {
  return {
    set: s.set, bricks: s.bricks.map(brickLabel), given: s.bricks.length, size: shape.layout.setSize,
    complete: s.complete, compared: s.compared,
    stale: Object.fromEntries(staleBricks(s).map((x) => [brickLabel(x.brick), x.entries])),
    toApply: s.toApply, verdict: describeSet(s, shape),
  };
}

/** Sets not given whole: what was found cannot vouch for them. */
export const partialSets = (summaries: SetSummary[]): SetSummary[] => summaries.filter((s) => !s.complete);
