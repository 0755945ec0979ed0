/**
 * Proof that the fixtures hold what their truth.json says: each archive's bricks are put
 * into a fresh volume under a name unique to the run (the recorded name rewritten on the
 * copy, so AFR changelogs and DHT linkto values still apply), mounted, and every entry is
 * read back through GlusterFS and compared with the truth. For the stale-brick fixtures this
 * also proves GlusterFS serves the new data, not the stale brick's; for the linkto fixture,
 * that each renamed name still leads to its data on the other subvolume.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withImportedFixture } from './fixture.ts';
import { diffNamespaces, readNamespace } from './namespace.ts';

const READ_BACK_FIXTURES = ['ec-2p1-clean', 'ec-4p2-clean', 'ec-2p1-stale', 'ec-4p2-two-down', 'rep3-brick-down', 'dist-ec-2x2p1-linkto'];

for (const name of READ_BACK_FIXTURES) {
  test(`${name}: a fresh volume on the fixture's bricks serves exactly the recorded namespace`, { timeout: 240_000 }, async () => {
    await withImportedFixture(name, async (vol, fixture) => {
      assert.notEqual(vol.name, fixture.truth.volume.name);
      const served = await readNamespace(vol.mountpoint);
      assert.deepEqual(diffNamespaces(fixture.truth.entries, served), []);
      assert.equal(served.length, fixture.truth.entries.length);
    });
  });
}
