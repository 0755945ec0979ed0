/**
 * The harness's volume controls against real GlusterFS: a killed brick shows in heal info,
 * start force brings it back and heal empties the index, a killed FUSE client is cleaned
 * up, and teardown leaves neither volume nor scratch dir.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './exec.ts';
import { listVolumes } from './gluster.ts';
import { volumeScratchDir } from './registry.ts';
import { withVolume } from './volume.ts';

test('kill a brick, see it in heal info, restart it, heal completes, teardown is complete', { timeout: 180_000 }, async () => {
  let name = '';
  await withVolume({ type: 'disperse', k: 2, r: 1 }, async (vol) => {
    name = vol.name;
    writeFileSync(join(vol.mountpoint, 'f'), 'before');
    await vol.killBrick(2);
    assert.equal(await vol.brickPid(2), null);
    writeFileSync(join(vol.mountpoint, 'f'), 'written while brick 2 was down');
    await vol.settle();

    const info = await vol.healInfo();
    assert.equal(info.length, 3);
    assert.equal(info[2]!.status, 'Transport endpoint is not connected');
    assert.equal(info[2]!.count, null);
    for (const up of info.slice(0, 2)) {
      assert.equal(up.status, 'Connected');
      assert.ok(up.entries.some((e) => e.path === '/f'), `${up.brick} lists /f`);
    }

    await vol.startForce();
    assert.notEqual(await vol.brickPid(2), null);
    await waitFor('heal to finish', async () => ((await vol.healInfo()).every((b) => b.count === 0) ? true : undefined), 60_000, 1000);

    const second = await vol.mount();
    await vol.killClient(second);
    assert.equal(existsSync(join(second, 'f')), false, 'the killed client is unmounted');
  });
  assert.ok(!(await listVolumes()).includes(name), 'volume deleted');
  assert.ok(!existsSync(volumeScratchDir(name)), 'scratch dir removed');
});
