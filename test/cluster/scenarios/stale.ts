import type { VolumeSpec } from '../layout.ts';
import type { Op } from '../ops.ts';
import type { Scenario } from '../scenario.ts';
import { changeBase, missedChanges } from './trees.ts';

const CHANGES_DIR = '/changes';

/** The ops of a stale-brick scenario: `base` with every brick up, `changes` with the down bricks killed. */
export interface StaleOps {
  base: (seed: string, dir: string) => Op[];
  changes: (seed: string, dir: string) => Op[];
}

const MISSED_CHANGES: StaleOps = { base: changeBase, changes: missedChanges };

/**
 * Files are created with every brick up, then `downBricks` are killed and the changes
 * happen without them; the volume is then stopped with those bricks still down, so nothing
 * heals and they stay stale.
 */
export function staleBricks(name: string, description: string, spec: VolumeSpec, downBricks: number[], ops: StaleOps = MISSED_CHANGES): Scenario {
  return {
    name,
    description,
    spec,
    async run(ctx) {
      await ctx.apply(ops.base(ctx.seed, CHANGES_DIR));
      await ctx.vol.settle();
      for (const b of downBricks) await ctx.killBrick(b);
      await ctx.apply(ops.changes(ctx.seed, CHANGES_DIR));
      ctx.note(`brick(s) ${downBricks.join(', ')} down for every missed-* change and never restarted: no heal happened`);
    },
  };
}

export const ec2p1Stale = staleBricks(
  'ec-2p1-stale',
  'disperse 2+1, brick 2 down while files are modified, created, deleted, renamed and chmodded',
  { type: 'disperse', k: 2, r: 1 },
  [2],
);

export const ec4p2TwoDown = staleBricks(
  'ec-4p2-two-down',
  'disperse 4+2, bricks 1 and 4 down (all the redundancy) while files change',
  { type: 'disperse', k: 4, r: 2 },
  [1, 4],
);

export const rep3BrickDown = staleBricks(
  'rep3-brick-down',
  'replica 3, brick 2 down while files change (AFR pending xattrs accuse it)',
  { type: 'replicate', replica: 3 },
  [2],
);
