/**
 * heal-sources.md §2.11: replica 2 with quorum off. Brick 1 down while a first set of
 * changes is made, then brick 0 down (fresh mount) while conflicting changes are made.
 * Each brick now accuses the other: data, metadata, entry and gfid split-brain.
 */
import { seededBytes, sha256Hex } from '../content.ts';
import type { Scenario, ScenarioContext } from '../scenario.ts';

const sideA = (seed: string) => ({ data: seededBytes(`${seed}/A`, 43), mode: 0o600, gfidfile: Buffer.from('A\n') });
const sideB = (seed: string) => ({ data: seededBytes(`${seed}/B`, 34), mode: 0o640, gfidfile: Buffer.from('B\n') });

async function changeWhileOnlyOneUp(ctx: ScenarioContext, side: ReturnType<typeof sideA>): Promise<string> {
  await ctx.apply([
    { op: 'write', path: '/sb_data', data: side.data },
    { op: 'chmod', path: '/sb_meta', mode: side.mode },
    { op: 'write', path: '/sbdir/gfidfile', data: side.gfidfile },
  ]);
  return ctx.gfid('/sbdir/gfidfile');
}

export const rep2SplitBrain: Scenario = {
  name: 'rep2-split-brain',
  description: 'replica 2 (quorum none, self-heal daemon off): each brick down in turn while conflicting changes are made: data, metadata, entry and gfid split-brain',
  spec: { type: 'replicate', replica: 2, options: { 'cluster.quorum-type': 'none', 'cluster.self-heal-daemon': 'off' } },
  async run(ctx) {
    await ctx.apply([
      { op: 'write', path: '/sb_data', data: seededBytes(`${ctx.seed}/base`, 20) },
      { op: 'write', path: '/sb_meta', data: Buffer.from('meta\n') },
      { op: 'mkdir', path: '/sbdir' },
      { op: 'write', path: '/untouched', data: seededBytes(`${ctx.seed}/untouched`, 1000) },
    ]);
    await ctx.vol.settle();

    const a = sideA(ctx.seed);
    await ctx.killBrick(1);
    const gfidA = await changeWhileOnlyOneUp(ctx, a);
    await ctx.vol.settle();
    await ctx.restartBricks();

    // A fresh client, so that it does not already know brick 1 as the stale one.
    await ctx.vol.unmount(ctx.mountpoint);
    await ctx.killBrick(0);
    ctx.mountpoint = await ctx.vol.mount();
    const b = sideB(ctx.seed);
    const gfidB = await changeWhileOnlyOneUp(ctx, b);
    await ctx.recordNamespace();
    ctx.note('entries are the view of the last client (brick 0 down): brick 1\'s side of every split-brain');
    ctx.healWith = { options: ['--policy', 'brick=1'], sinks: [0] };

    const dataGfid = ctx.gfid('/sb_data');
    ctx.addDamage({
      kind: 'data-split-brain', brick: 0, path: '/sb_data', gfid: dataGfid,
      detail: `brick 0 holds ${a.data.length} bytes (sha256 ${sha256Hex(a.data)}), brick 1 holds ${b.data.length} bytes (sha256 ${sha256Hex(b.data)}); each accuses the other`,
      data: { otherBrick: 1, sha256: sha256Hex(a.data), otherSha256: sha256Hex(b.data) },
    });
    ctx.addDamage({
      kind: 'metadata-split-brain', brick: 0, path: '/sb_meta', gfid: ctx.gfid('/sb_meta'),
      detail: `brick 0 has mode ${a.mode.toString(8)}, brick 1 has mode ${b.mode.toString(8)}`,
      data: { otherBrick: 1, mode: a.mode, otherMode: b.mode },
    });
    ctx.addDamage({
      kind: 'entry-split-brain', brick: 0, path: '/sbdir', gfid: ctx.gfid('/sbdir'),
      detail: 'gfidfile was created on each brick separately; each brick accuses the other for the directory\'s entries',
      data: { otherBrick: 1 },
    });
    ctx.addDamage({
      kind: 'gfid-split-brain', brick: 0, path: '/sbdir/gfidfile', gfid: gfidA,
      detail: `brick 0's gfidfile ("A") has gfid ${gfidA}, brick 1's ("B") has gfid ${gfidB}`,
      data: { otherBrick: 1, otherGfid: gfidB },
    });
  },
};
