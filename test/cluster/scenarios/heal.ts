/**
 * Disperse volumes left with bricks that missed changes, for the heal proofs
 * (test/heal): run live on a fresh volume each time rather than packed as fixtures, so
 * each proof heals bricks GlusterFS has just written.
 */
import type { Scenario } from '../scenario.ts';
import { ec4p2Bitrot } from './bitrot.ts';
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

/** Every scenario the heal proofs run, the two that are not plain stale bricks last (bitrot on 4+2: with R = 1 it cannot be pinned on a brick). */
export const HEAL_SCENARIOS: readonly Scenario[] = [ec2p1HealOne, ec4p2HealOne, ec4p2HealTwo, distEc2x2p1HealOneEach, ec2p1Unhealable, ec4p2Bitrot];
