/**
 * Test volumes never collide with each other or with other users of the same glusterd: two
 * imports of one fixture at once each get a name of their own, each brick copy carries its
 * volume's name and id, both serve the recorded namespace (rep3-brick-down: AFR's pending
 * changelogs must still pick the good copies), and teardown removes exactly those two: a
 * volume made beside them keeps running and serving. The control shows the rewrite is what
 * makes it work: under a new name without it, AFR serves a stale copy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getXattr, listXattrs } from '../../core/fs/xattr.ts';
import { gfidText, walkBrick } from './brick-tools.ts';
import { importFixture, withImportedFixture } from './fixture.ts';
import { specFromTruth } from './layout.ts';
import { gluster, listVolumes } from './gluster.ts';
import { diffNamespaces, readNamespace } from './namespace.ts';
import { volumeScratchDir } from './registry.ts';
import { withVolume, type Volume } from './volume.ts';

const FIXTURE = 'rep3-brick-down';

async function volumeId(name: string): Promise<string> {
  const id = /^Volume ID: (\S+)$/m.exec((await gluster(['volume', 'info', name])).stdout)?.[1];
  assert.ok(id, `gluster volume info ${name} names no Volume ID`);
  return id;
}

/** The volume names the AFR changelog keys on the bricks carry (roots and user namespace). */
function afrKeyVolumes(bricks: string[]): Set<string> {
  const paths = bricks.flatMap((b) => [b, ...walkBrick(b).map((e) => e.abs)]);
  return new Set(paths.flatMap((p) => listXattrs(p).flatMap(([key]) => /^trusted\.afr\.(.+)-client-\d+$/.exec(key)?.[1] ?? [])));
}

async function serveAndCheck(names: string[]): Promise<void> {
  await withImportedFixture(FIXTURE, async (vol: Volume, fixture) => {
    names.push(vol.name);
    assert.notEqual(vol.name, fixture.truth.volume.name);
    const id = await volumeId(vol.name);
    for (const b of vol.bricks) assert.equal(gfidText(getXattr(b, 'trusted.glusterfs.volume-id')!), id, `${b}: volume-id`);
    assert.deepEqual([...afrKeyVolumes(vol.bricks)], [vol.name], 'the pending changelogs name this volume');
    const served = await readNamespace(vol.mountpoint);
    assert.deepEqual(diffNamespaces(fixture.truth.entries, served), []);
  });
}

test(`two imports of ${FIXTURE} at once: own names, both serve it, teardown removes only them`, { timeout: 480_000 }, async () => {
  await withVolume({ type: 'replicate', replica: 3 }, async (bystander) => {
    writeFileSync(join(bystander.mountpoint, 'kept'), 'made beside the imports');
    const names: string[] = [];
    await Promise.all([serveAndCheck(names), serveAndCheck(names)]);
    assert.equal(new Set(names).size, 2, `two names: ${names.join(', ')}`);

    const left = await listVolumes();
    for (const n of names) {
      assert.ok(!left.includes(n), `${n} deleted`);
      assert.ok(!existsSync(volumeScratchDir(n)), `${n}: scratch dir removed`);
    }
    assert.ok(left.includes(bystander.name), 'the volume beside them is still defined');
    assert.equal(readFileSync(join(bystander.mountpoint, 'kept'), 'utf8'), 'made beside the imports');
  }, { tag: 'bystander' });
});

test(`control: ${FIXTURE} under a new name without the rewrite serves a stale copy`, { timeout: 240_000 }, async () => {
  const fixture = await importFixture(FIXTURE);
  try {
    await withVolume(specFromTruth(fixture.truth.volume), async (vol) => {
      // Without its changelogs AFR serves whichever copy it reads, and a flush may fail (ENOENT):
      // either way not the recorded namespace.
      const diff = await readNamespace(vol.mountpoint).then(
        (served) => diffNamespaces(fixture.truth.entries, served),
        (error: Error) => [`reading the mount failed: ${error.message}`],
      );
      assert.ok(diff.length > 0, 'AFR ignored the changelogs and still served every good copy: the control proves nothing');
    }, { brickDirs: fixture.bricks, tag: 'unrenamed' });
  } finally {
    fixture.cleanup();
  }
});
