import type { Scenario } from '../scenario.ts';
import { variedTree } from './trees.ts';

/** A healthy disperse volume holding every kind of entry (trees.ts variedTree). */
function cleanDisperse(k: number, r: number): Scenario {
  return {
    name: `ec-${k}p${r}-clean`,
    description: `disperse ${k}+${r}, all bricks healthy: edge sizes, deep and UTF-8/space/newline names, symlinks, hard links, a sparse file, overwrite, truncates, user xattrs, a fifo`,
    spec: { type: 'disperse', k, r },
    clean: true,
    async run(ctx) {
      await ctx.apply(variedTree(ctx.seed));
    },
  };
}

export const ec2p1Clean = cleanDisperse(2, 1);
export const ec4p2Clean = cleanDisperse(4, 2);
