/**
 * `gfsck gfid` on real GlusterFS bricks: the ec-2p1-broken-handles fixture after
 * `gfsck rebuild --handles --apply`. Every gfid of the truth resolves to its path(s),
 * live and from a catalog, and every path to its gfid; then, with the bricks serving a
 * volume and one brick killed while files change, the real `gluster volume heal VOL info`
 * output is read from stdin and every entry resolves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { specFromTruth } from '../cluster/layout.ts';
import { gluster } from '../cluster/gluster.ts';
import { withImportedVolume } from '../cluster/volume.ts';
import { gfsck } from '../support/cli.ts';
import { importAndRepair } from '../repair/broken-handles-fixture.ts';

interface Answer { type: string; id: string; resolved: boolean; reason: string | null; paths?: string[]; path?: string; gfid?: string; agree?: boolean; healBrick?: string }

function gfidJson(args: string[], input?: string): { status: number | null; answers: Answer[]; stderr: string } {
  const r = gfsck(['gfid', '--json', ...args], { input });
  const lines = r.stdout.trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Answer);
  return { status: r.status, answers: lines.filter((l) => l.type !== 'summary'), stderr: r.stderr };
}

test('ec-2p1-broken-handles, repaired: every truth gfid and path resolves, live and with --db; real heal info resolves', { timeout: 600_000 }, async () => {
  const { fixture, repair } = await importAndRepair();
  try {
    const { bricks, truth, volinfoDir } = fixture;
    assert.equal(repair.status, 1, repair.stdout + repair.stderr);
    const pathsOf = new Map<string, string[]>();
    for (const e of truth.entries) pathsOf.set(e.gfid, [...(pathsOf.get(e.gfid) ?? []), e.path]);
    const gfids = [...pathsOf.keys()];

    const live = gfidJson([...bricks, ...gfids]);
    assert.equal(live.status, 0, live.stderr + JSON.stringify(live.answers.filter((a) => !a.resolved)));
    for (const a of live.answers) {
      for (const p of pathsOf.get(a.id)!) assert.ok(a.paths!.includes(p), `${a.id}: ${p} not among ${a.paths!.join(', ')}`);
    }
    const db = join(fixture.dir, 'catalog.db');
    gfsck(['inspect', '--db', db, '--volinfo', volinfoDir, ...bricks]);
    const fromDb = gfidJson(['--db', db, ...gfids]);
    assert.equal(fromDb.status, 0, fromDb.stderr);
    assert.deepEqual(fromDb.answers.map((a) => [a.id, a.paths]), live.answers.map((a) => [a.id, a.paths]));

    const byPath = gfidJson([...bricks, ...truth.entries.map((e) => e.path)]);
    assert.equal(byPath.status, 0, byPath.stderr);
    assert.deepEqual(byPath.answers.map((a) => [a.path, a.gfid, a.agree]), truth.entries.map((e) => [e.path, e.gfid, true]));

    await withImportedVolume(bricks, specFromTruth(truth.volume), async (vol) => {
      await vol.killBrick(2);
      const mp = vol.mountpoint;
      writeFileSync(join(mp, 'h/written-while-down'), 'new data');
      appendFileSync(join(mp, 'h/healthy'), 'more data');
      mkdirSync(join(mp, 'h/made-while-down'));
      writeFileSync(join(mp, 'h/made-while-down/inner'), 'x');
      await vol.settle();
      const healInfo = (await gluster(['volume', 'heal', vol.name, 'info'], true)).stdout;
      const fromStdin = gfidJson([...bricks, '-'], healInfo);
      assert.equal(fromStdin.status, 0, `${healInfo}\n${fromStdin.stderr}${JSON.stringify(fromStdin.answers.filter((a) => !a.resolved))}`);
      assert.ok(fromStdin.answers.length > 0 && fromStdin.answers.every((a) => a.type === 'heal-entry' && a.resolved), healInfo);
      const resolved = new Set(fromStdin.answers.flatMap((a) => a.paths ?? [a.path!]));
      for (const p of ['/h', '/h/written-while-down', '/h/healthy', '/h/made-while-down']) {
        assert.ok(resolved.has(p), `${p} not among the resolved heal entries: ${[...resolved].join(', ')}\n${healInfo}`);
      }
      assert.deepEqual([...new Set(fromStdin.answers.map((a) => a.healBrick))].length, 2, 'entries listed by the two bricks that stayed up');
    }, truth.volume.name);
  } finally {
    fixture.cleanup();
  }
});
