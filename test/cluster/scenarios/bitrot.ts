/**
 * Silent corruption: bytes flipped inside one fragment on one brick, with the volume
 * stopped and every xattr left as it was, so only the data disagrees with its encoding.
 */
import { openSync, readSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { brickGfid } from '../brick-tools.ts';
import { seededBytes } from '../content.ts';
import type { Scenario, ScenarioContext } from '../scenario.ts';

/** XORs `length` bytes at `offset` of a brick file with 0xff; returns the bytes before and after. */
function flipBytes(file: string, offset: number, length: number): { before: string; after: string } {
  const fd = openSync(file, 'r+');
  try {
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, offset);
    const before = buf.toString('hex');
    for (let i = 0; i < length; i++) buf[i] = buf[i]! ^ 0xff;
    writeSync(fd, buf, 0, length, offset);
    return { before, after: buf.toString('hex') };
  } finally {
    closeSync(fd);
  }
}

function rot(ctx: ScenarioContext, brickIndex: number, path: string, offset: number, length: number): void {
  const file = join(ctx.vol.bricks[brickIndex]!, path);
  const { before, after } = flipBytes(file, offset, length);
  ctx.addDamage({
    kind: 'bitrot',
    brick: brickIndex,
    path,
    gfid: brickGfid(file),
    detail: `${length} fragment bytes at offset ${offset} XORed with 0xff (${before} -> ${after}); xattrs untouched`,
    data: { offset, length, before, after },
  });
}

/** Files written healthy, the volume stopped, then bytes flipped in one fragment of two files. */
function bitrot(name: string, spec: Scenario['spec'], rotten: [brick: number, offset: number, length: number], small: [brick: number, offset: number, length: number]): Scenario {
  return {
    name,
    description: `${spec.type === 'disperse' ? `disperse ${spec.k}+${spec.r}` : spec.type}, healthy, then bytes flipped inside one fragment of two files (different bricks), xattrs untouched`,
    spec,
    async run(ctx) {
      await ctx.apply([
        { op: 'mkdir', path: '/data' },
        { op: 'write', path: '/data/rotten', data: seededBytes(`${ctx.seed}/rotten`, 65536) },
        { op: 'write', path: '/data/rotten-small', data: seededBytes(`${ctx.seed}/rotten-small`, 700) },
        { op: 'write', path: '/data/intact', data: seededBytes(`${ctx.seed}/intact`, 4000) },
      ]);
      await ctx.recordNamespace();
      await ctx.vol.stop();
      rot(ctx, rotten[0], '/data/rotten', rotten[1], rotten[2]);
      rot(ctx, small[0], '/data/rotten-small', small[1], small[2]);
    },
  };
}

/** R = 1: the disagreement can be found but not pinned on a brick. */
export const ec2p1Bitrot = bitrot('ec-2p1-bitrot', { type: 'disperse', k: 2, r: 1 }, [1, 4096, 8], [0, 100, 1]);

/** R = 2: the codec names the rotten fragment, so heal can rewrite it. */
export const ec4p2Bitrot = bitrot('ec-4p2-bitrot', { type: 'disperse', k: 4, r: 2 }, [1, 4096, 8], [4, 100, 1]);
