/**
 * Sharding (brick-layout.md §6) on plain distribute over 3 bricks with 4 MiB blocks: a file
 * spanning several shards and a sparse file with a single shard far from the base file.
 * The shards found on the bricks are listed in the notes.
 */
import { patternBytes, seededBytes } from '../content.ts';
import { brickGfid, walkBrick } from '../brick-tools.ts';
import { join } from 'node:path';
import type { Scenario } from '../scenario.ts';

const MiB = 1024 * 1024;

export const distShard: Scenario = {
  name: 'dist-shard',
  description: 'distribute over 3 bricks with features.shard on (4 MiB blocks): a 9 MiB file over 3 shards, a 30 MiB sparse file with data only at 25 MiB',
  spec: { type: 'distribute', bricks: 3, shardBlockSize: 4 * MiB },
  clean: true,
  async run(ctx) {
    await ctx.apply([
      { op: 'write', path: '/spanning', data: patternBytes(`${ctx.seed}/spanning`, 0, 9 * MiB + 123) },
      { op: 'write', path: '/sparse-sharded', data: Buffer.alloc(0) },
      { op: 'truncate', path: '/sparse-sharded', size: 30 * MiB },
      { op: 'write', path: '/sparse-sharded', data: patternBytes(`${ctx.seed}/sparse`, 25 * MiB, MiB), offset: 25 * MiB },
      { op: 'mkdir', path: '/dir' },
      { op: 'write', path: '/dir/small', data: seededBytes(`${ctx.seed}/small`, 1000) },
    ]);
    await ctx.recordNamespace();
    const baseGfids = new Map(['/spanning', '/sparse-sharded'].map((p) => [ctx.gfid(p), p]));
    await ctx.vol.stop();
    ctx.vol.bricks.forEach((brick, index) => {
      for (const e of walkBrick(brick)) {
        const m = /^\/\.shard\/([0-9a-f-]{36})\.(\d+)$/.exec(e.path);
        if (!m) continue;
        const base = baseGfids.get(m[1]!) ?? 'unknown base';
        ctx.note(`shard ${m[2]} of ${base} on brick ${index}: ${e.path}, ${e.stat.size} bytes, gfid ${brickGfid(join(brick, e.path))}`);
      }
    });
  },
};
