/**
 * Proof that a brick archive is a faithful copy: a real 2+1 volume's bricks are captured,
 * extracted elsewhere, and compared entry by entry including .glusterfs: every xattr
 * (trusted.* included, on symlinks too), hard-link groups (FIFOs too), content, and holes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { listXattrs } from '../../core/fs/xattr.ts';
import { captureBricks, extractArchive } from './archive.ts';
import { seededBytes } from './content.ts';
import { hashTree, type TreeEntry } from './hash-tree.ts';
import { applyOps } from './ops.ts';
import { scratchRoot } from './registry.ts';
import { withVolume } from './volume.ts';

const MiB = 1024 * 1024;

interface BrickEntry extends Omit<TreeEntry, 'inode' | 'allocated'> {
  xattrs: Array<[string, string]>;
}

async function snapshotBrick(brick: string): Promise<{ rootXattrs: Array<[string, string]>; entries: BrickEntry[]; allocated: Map<string, number> }> {
  const xattrsOf = (p: string): Array<[string, string]> =>
    listXattrs(p)
      .map(([n, v]): [string, string] => [n, v.toString('hex')])
      .sort(([a], [b]) => (a < b ? -1 : 1));
  const tree = await hashTree(brick);
  const allocated = new Map(tree.map((e) => [e.path, e.allocated]));
  // health_check is rewritten by the brick process every 30 s; not part of the brick's data.
  const entries = tree
    .filter((e) => e.path !== '/.glusterfs/health_check')
    .map(({ inode: _inode, allocated: _allocated, ...rest }) => ({ ...rest, xattrs: xattrsOf(join(brick, rest.path)) }));
  return { rootXattrs: xattrsOf(brick), entries, allocated };
}

test('brick archive round trip keeps trusted xattrs, hard links and holes', { timeout: 180_000 }, async () => {
  const work = mkdtempSync(join(scratchRoot(), 'roundtrip-'));
  try {
    await withVolume({ type: 'disperse', k: 2, r: 1 }, async (vol) => {
      await applyOps(vol.mountpoint, [
        { op: 'mkdir', path: '/d' },
        { op: 'write', path: '/d/file', data: seededBytes('rt/file', 5000) },
        { op: 'link', path: '/d/file-link', existing: '/d/file' },
        { op: 'symlink', path: '/d/sym', target: 'file' },
        { op: 'mkfifo', path: '/d/fifo' }, // tar alone would split the FIFO from its handle
        { op: 'setxattr', path: '/d/file', name: 'user.k', value: Buffer.from('v') },
        { op: 'write', path: '/sparse', data: seededBytes('rt/head', 4096) },
        { op: 'write', path: '/sparse', data: seededBytes('rt/tail', 4096), offset: 8 * MiB },
      ]);
      await vol.settle();
      await vol.stop();

      const archive = join(work, 'bricks.tar.gz');
      await captureBricks({ bricks: vol.bricks }, archive);
      await extractArchive(archive, join(work, 'out'));

      for (const [i, brick] of vol.bricks.entries()) {
        const original = await snapshotBrick(brick);
        const copy = await snapshotBrick(join(work, 'out', 'bricks', `b${i}`));
        assert.deepEqual(copy.rootXattrs, original.rootXattrs, `brick ${i} root xattrs`);
        assert.deepEqual(copy.entries, original.entries, `brick ${i} entries`);

        // The comparison must not be vacuous: handles are hard links, the user symlink carries trusted.gfid.
        assert.ok(original.entries.some((e) => e.path.startsWith('/.glusterfs/') && e.linkGroup), `brick ${i} has handle hard links`);
        assert.ok(original.entries.find((e) => e.path === '/d/sym')!.xattrs.some(([n]) => n === 'trusted.gfid'), 'symlink xattrs kept');
        assert.ok(copy.entries.find((e) => e.path === '/d/fifo')!.linkGroup, 'the FIFO is still linked to its handle');

        // Holes: the 8 MiB fragment hole stays a hole, and nothing gets more blocks than it had.
        const sparse = copy.entries.find((e) => e.path === '/sparse')!;
        assert.ok(copy.allocated.get('/sparse')! < sparse.size / 2, `brick ${i} /sparse still sparse`);
        for (const e of copy.entries) {
          if (e.type === 'file') assert.ok(copy.allocated.get(e.path)! <= original.allocated.get(e.path)!, `${e.path} not filled in`);
        }
      }
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
