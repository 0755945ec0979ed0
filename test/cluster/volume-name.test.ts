/**
 * renameVolumeOnBricks on bricks real GlusterFS wrote: every AFR changelog key of
 * rep3-brick-down and every DHT linkto value of dist-ec-2x2p1-linkto takes the new name,
 * nothing names the old one afterwards, renaming back restores every byte, and a mention
 * it does not know stops it. No cluster needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { getXattr, listXattrs, setXattr } from '../../core/fs/xattr.ts';
import { snapshotDiff, snapshotTree } from '../repair/snapshot.ts';
import { walkBrick } from './brick-tools.ts';
import { importFixture } from './fixture.ts';
import { renameVolumeOnBricks } from './volume-name.ts';

/** Every xattr of the bricks as `key=value` (latin1), .glusterfs and roots included. */
const allXattrs = (bricks: string[]): string[] =>
  bricks.flatMap((b) => [b, ...walkBrick(b, true).map((e) => e.abs)]).flatMap((p) => listXattrs(p).map(([k, v]) => `${k}=${v.toString('latin1')}`));

test('rep3-brick-down: the AFR changelog keys take the new name, and renaming back restores every byte', async () => {
  const fixture = await importFixture('rep3-brick-down');
  try {
    const recorded = fixture.truth.volume.name;
    const before = fixture.bricks.map(snapshotTree);
    // A name that starts with the recorded one, as withImportedVolume makes them.
    const fresh = `${recorded}-0a1b2c`;
    const pending = (name: string) => allXattrs(fixture.bricks).filter((x) => x.startsWith(`trusted.afr.${name}-client-`)).length;
    const recordedKeys = pending(recorded);
    assert.ok(recordedKeys > 0, 'the fixture has pending AFR changelogs');

    const count = renameVolumeOnBricks(fixture.bricks, recorded, fresh);
    assert.ok(count.afrKeys >= recordedKeys / 2, 'a file and its handle are one inode: each renamed once');
    assert.equal(pending(fresh), recordedKeys);
    assert.equal(pending(recorded), 0);

    renameVolumeOnBricks(fixture.bricks, fresh, recorded);
    fixture.bricks.forEach((b, i) => assert.deepEqual(snapshotDiff(before[i]!, snapshotTree(b)), [], `brick ${i}`));
  } finally {
    fixture.cleanup();
  }
});

test('dist-ec-2x2p1-linkto: every linkto value names the same subvolume of the new volume', async () => {
  const fixture = await importFixture('dist-ec-2x2p1-linkto');
  try {
    const recorded = fixture.truth.volume.name;
    const linkto = fixture.truth.linkto!;
    assert.ok(linkto.length > 0);
    renameVolumeOnBricks(fixture.bricks, recorded, 'gfsckt-renamed');
    for (const l of linkto) {
      const value = getXattr(join(fixture.bricks[l.brick]!, l.path), 'trusted.glusterfs.dht.linkto')!.toString('latin1');
      assert.equal(value, `${l.target.replace(recorded, 'gfsckt-renamed')}\0`, l.path);
    }
    assert.deepEqual(allXattrs(fixture.bricks).filter((x) => x.includes(recorded)), []);
  } finally {
    fixture.cleanup();
  }
});

test('a mention of the recorded name it does not know stops the rename', async () => {
  const fixture = await importFixture('ec-2p1-clean');
  try {
    const recorded = fixture.truth.volume.name;
    setXattr(join(fixture.bricks[1]!, 'with space'), `trusted.glusterfs.${recorded}.made-up`, Buffer.from('x'));
    assert.throws(() => renameVolumeOnBricks(fixture.bricks, recorded, 'gfsckt-renamed'), /with space: trusted\.glusterfs\.\S+\.made-up names volume gfsckt-ec-2p1-clean/);
  } finally {
    fixture.cleanup();
  }
});
