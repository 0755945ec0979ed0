/**
 * `gfsck rebuild --handles` on bricks real GlusterFS wrote and a human broke in every way
 * of brick-layout.md §2.6 (testdata/ec-2p1-broken-handles): after --apply, inspect finds
 * no handle problem, the bricks start in a fresh volume (brick 1's root handle was a
 * directory, which keeps a brick from starting), every entry of the truth is found through
 * the mount by name with its gfid, and every file reads back with its sha256, and the orphan's data is in the adopt folder. A
 * second copy proves --undo restores the real bricks byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importFixture } from '../cluster/fixture.ts';
import { specFromTruth } from '../cluster/layout.ts';
import { brickStatus } from '../cluster/gluster.ts';
import { withImportedVolume } from '../cluster/volume.ts';
import { gfidOnMount } from '../cluster/namespace.ts';
import { gfsck } from '../support/cli.ts';
import { inspectFindings } from '../support/inspect-run.ts';
import { HANDLE_WORK_CODES } from '../../core/repair/handle-plan.ts';
import { brickFolderName } from '../../core/repair/adopt.ts';
import { FIXTURE, importAndRepair, sha256File } from './broken-handles-fixture.ts';
import { snapshotDiff, snapshotTree } from './snapshot.ts';

test(`${FIXTURE}: repaired, the bricks start and serve every file of the truth; the orphan is in the adopt folder`, { timeout: 600_000 }, async () => {
  const { fixture, repair, adoptDir, orphan } = await importAndRepair();
  try {
    const { bricks, truth, volinfoDir } = fixture;
    assert.equal(repair.status, 1, repair.stdout + repair.stderr);
    assert.match(repair.stdout, /ROOT_HANDLE_BAD \/: move aside \.glusterfs\/00\/00\/\S+ \(a directory\) and symlink/);
    assert.deepEqual((await inspectFindings(bricks, { volinfo: volinfoDir })).filter((f) => HANDLE_WORK_CODES.includes(f.code)).map((f) => f.message), []);
    assert.equal(sha256File(join(adoptDir, brickFolderName(orphan.brick), orphan.gfid)), orphan.sha256);

    await withImportedVolume(bricks, specFromTruth(truth.volume), async (vol) => {
      assert.deepEqual((await brickStatus(vol.name)).map((b) => b.online), bricks.map(() => true), 'every brick started');
      // Looked up by name, as a client opening it would. (A listing of /h comes from one
      // brick: brick 0's namespace still differs where the damage renamed or unlinked a
      // name, which is entry heal's to settle, not the handle tree's.)
      for (const want of truth.entries) {
        const abs = join(vol.mountpoint, want.path);
        const st = lstatSync(abs);
        const got = { type: st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other', gfid: gfidOnMount(vol.mountpoint, want.path),
          size: st.isFile() ? st.size : 0, sha256: st.isFile() ? sha256File(abs) : undefined };
        assert.deepEqual(got, { type: want.type, gfid: want.gfid, size: want.size, sha256: want.sha256 }, want.path);
      }
    }, truth.volume.name);
  } finally {
    fixture.cleanup();
  }
});

test(`${FIXTURE}: --undo puts the real bricks back exactly as GlusterFS and the damage left them`, { timeout: 120_000 }, async () => {
  const fixture = await importFixture(FIXTURE);
  try {
    const before = fixture.bricks.map(snapshotTree);
    const journal = join(fixture.dir, 'undo.journal');
    const repair = gfsck(['rebuild', '--handles', '--apply', '--adopt', join(fixture.dir, 'adopted'), '--journal', journal, '--volinfo', fixture.volinfoDir, ...fixture.bricks]);
    assert.equal(repair.status, 1, repair.stdout + repair.stderr);
    assert.ok(fixture.bricks.some((b, i) => snapshotDiff(before[i]!, snapshotTree(b)).length > 0));
    const undo = gfsck(['rebuild', '--undo', journal]);
    assert.equal(undo.status, 0, undo.stdout + undo.stderr);
    fixture.bricks.forEach((b, i) => assert.deepEqual(snapshotDiff(before[i]!, snapshotTree(b)), [], `brick ${i}`));
  } finally {
    fixture.cleanup();
  }
});

test(`${FIXTURE}: control: unrepaired, the brick whose root handle is a directory does not start`, { timeout: 300_000 }, async () => {
  const fixture = await importFixture(FIXTURE);
  try {
    const { truth, bricks } = fixture;
    const rootDamage = truth.damage.find((d) => d.kind === 'root-handle-is-directory')!;
    await assert.rejects(
      withImportedVolume(bricks, specFromTruth(truth.volume), async () => {}, truth.volume.name),
      /volume start \S+ exited 1: .*failed/,
    );
    // glusterd names each brick's log after its path.
    const log = readFileSync(`/var/log/glusterfs/bricks/${bricks[rootDamage.brick]!.slice(1).replace(/\//g, '-')}.log`, 'utf8');
    assert.match(log, /posix_init\] \S+: Posix handle setup failed/);
  } finally {
    fixture.cleanup();
  }
});
