/**
 * Distributed-disperse 2 × (2+1) with renames: a renamed file stays on the subvolume that
 * holds its data, and DHT leaves a linkto file on the subvolume its new name hashes to
 * (brick-layout.md §4.6). The linkto files found on the bricks are listed in truth.linkto.
 */
import { join } from 'node:path';
import { seededBytes } from '../content.ts';
import { brickGfid, stringXattr, walkBrick } from '../brick-tools.ts';
import type { Op } from '../ops.ts';
import type { Scenario } from '../scenario.ts';

const FILES = 16;
const LINKTO_XATTR = 'trusted.glusterfs.dht.linkto';
const LINKTO_MODE = 0o1000;

const name = (prefix: string, i: number): string => `${prefix}-${String(i).padStart(2, '0')}`;

export const distEc2x2p1Linkto: Scenario = {
  name: 'dist-ec-2x2p1-linkto',
  description: 'distributed-disperse 2 x (2+1): files renamed (and hard-linked) under names that hash to the other subvolume, leaving DHT linkto files',
  spec: { type: 'distributed-disperse', subvols: 2, k: 2, r: 1 },
  async run(ctx) {
    const ops: Op[] = [{ op: 'mkdir', path: '/moves' }];
    for (let i = 0; i < FILES; i++) ops.push({ op: 'write', path: `/moves/${name('file', i)}`, data: seededBytes(`${ctx.seed}/${i}`, 100 + 137 * i) });
    for (let i = 0; i < FILES; i++) ops.push({ op: 'rename', path: `/moves/${name('file', i)}`, to: `/moves/${name('moved', i)}` });
    for (let i = 0; i < 4; i++) ops.push({ op: 'link', path: `/${name('root-link', i)}`, existing: `/moves/${name('moved', i)}` });
    await ctx.apply(ops);
    await ctx.recordNamespace();
    await ctx.vol.stop();

    ctx.vol.bricks.forEach((brick, index) => {
      for (const e of walkBrick(brick)) {
        const target = e.stat.isFile() && (e.stat.mode & 0o7777) === LINKTO_MODE ? stringXattr(join(brick, e.path), LINKTO_XATTR) : undefined;
        if (target !== undefined) ctx.linkto.push({ brick: index, path: e.path, gfid: brickGfid(join(brick, e.path)), target });
      }
    });
    if (ctx.linkto.length === 0) throw new Error('no DHT linkto file appeared; the renames all hashed to the data subvolume');
    ctx.note(`${new Set(ctx.linkto.map((l) => l.path)).size} names have a linkto file (each on all 3 bricks of the hashed subvolume)`);
  },
};
