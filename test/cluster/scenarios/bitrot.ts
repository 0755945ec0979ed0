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

export const ec2p1Bitrot: Scenario = {
  name: 'ec-2p1-bitrot',
  description: 'disperse 2+1, healthy, then bytes flipped inside one fragment of two files (different bricks), xattrs untouched',
  spec: { type: 'disperse', k: 2, r: 1 },
  async run(ctx) {
    await ctx.apply([
      { op: 'mkdir', path: '/data' },
      { op: 'write', path: '/data/rotten', data: seededBytes(`${ctx.seed}/rotten`, 65536) },
      { op: 'write', path: '/data/rotten-small', data: seededBytes(`${ctx.seed}/rotten-small`, 700) },
      { op: 'write', path: '/data/intact', data: seededBytes(`${ctx.seed}/intact`, 4000) },
    ]);
    await ctx.recordNamespace();
    await ctx.vol.stop();
    rot(ctx, 1, '/data/rotten', 4096, 8);
    rot(ctx, 0, '/data/rotten-small', 100, 1);
  },
};
