/**
 * Disperse and replica volumes left with bricks that missed changes, for the heal proofs
 * (test/heal): run live on a fresh volume each time rather than packed as fixtures, so
 * each proof heals bricks GlusterFS has just written.
 */
import type { Scenario } from '../scenario.ts';
import { ec4p2Bitrot } from './bitrot.ts';
import { rep2SplitBrain } from './split-brain.ts';
import { staleBricks, type StaleOps } from './stale.ts';
import { healBase, healChanges } from './trees.ts';
import { ec2p1Unhealable } from './unhealable.ts';

const HEAL_OPS: StaleOps = { base: healBase, changes: healChanges };

export const ec2p1HealOne = staleBricks(
  'ec-2p1-heal-one',
  'disperse 2+1, brick 2 down while files and trees are created, removed, renamed, rewritten, chmodded and tagged',
  { type: 'disperse', k: 2, r: 1 },
  [2],
  HEAL_OPS,
);

export const ec4p2HealOne = staleBricks('ec-4p2-heal-one', 'disperse 4+2, brick 3 down while files change', { type: 'disperse', k: 4, r: 2 }, [3], HEAL_OPS);

export const ec4p2HealTwo = staleBricks('ec-4p2-heal-two', 'disperse 4+2, bricks 1 and 4 down while files change', { type: 'disperse', k: 4, r: 2 }, [1, 4], HEAL_OPS);

export const distEc2x2p1HealOneEach = staleBricks(
  'dist-ec-2x2p1-heal',
  'distributed-disperse 2 x (2+1), brick 1 (set 0) and brick 5 (set 1) down while files change',
  { type: 'distributed-disperse', subvols: 2, k: 2, r: 1 },
  [1, 5],
  HEAL_OPS,
);

// Quorum none, so that the proof can read through the healed brick as the only data brick up.
const NO_QUORUM = { 'cluster.quorum-type': 'none' };

export const rep3HealOne = staleBricks('rep3-heal-one', 'replica 3, brick 2 down while files change', { type: 'replicate', replica: 3, options: NO_QUORUM }, [2], HEAL_OPS);

export const arbiterHealOne = staleBricks(
  'arbiter-heal-one',
  'replica 3 arbiter 1, data brick 1 down while files change',
  { type: 'replicate', replica: 3, arbiter: true, options: NO_QUORUM },
  [1],
  HEAL_OPS,
);

export const distRep2x3HealOneEach = staleBricks(
  'dist-rep-2x3-heal',
  'distributed-replicate 2 x 3, brick 2 (set 0) and brick 3 (set 1) down while files change',
  { type: 'replicate', subvols: 2, replica: 3, options: NO_QUORUM },
  [2, 3],
  HEAL_OPS,
);

/**
 * Every scenario the heal proofs run: disperse first, the two that are not plain stale
 * bricks last (bitrot on 4+2: with R = 1 it cannot be pinned on a brick); then replica: a
 * stale replica, a stale data brick beside an arbiter, one stale brick in each of two
 * replica sets, and every kind of split-brain
 * (settled with the policy its truth records).
 */
export const HEAL_SCENARIOS: readonly Scenario[] = [
  ec2p1HealOne, ec4p2HealOne, ec4p2HealTwo, distEc2x2p1HealOneEach, ec2p1Unhealable, ec4p2Bitrot,
  rep3HealOne, arbiterHealOne, distRep2x3HealOneEach, rep2SplitBrain,
];
