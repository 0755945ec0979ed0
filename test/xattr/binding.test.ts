import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getXattr, listXattrs, listXattrsAsync, removeXattr, setXattr, XATTR_CREATE } from '../../core/fs/xattr.ts';

const dir = mkdtempSync(join(tmpdir(), 'gfsck-xattr-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('reads a symlink\'s own trusted xattrs, not its target\'s', async () => {
  const file = join(dir, 'target');
  const link = join(dir, 'link');
  writeFileSync(file, 'data');
  symlinkSync('target', link);
  setXattr(file, 'trusted.gfid', Buffer.alloc(16, 1));
  setXattr(link, 'trusted.gfid', Buffer.alloc(16, 2));
  assert.deepEqual(listXattrs(link), [['trusted.gfid', Buffer.alloc(16, 2)]]);
  assert.deepEqual(await listXattrsAsync(link), [['trusted.gfid', Buffer.alloc(16, 2)]]);
  assert.deepEqual(getXattr(file, 'trusted.gfid'), Buffer.alloc(16, 1));
});

test('non-UTF-8 names work as Buffer paths', () => {
  const name = Buffer.concat([Buffer.from(dir + '/'), Buffer.from([0x66, 0xff, 0x0a, 0x67])]);
  writeFileSync(name, 'x');
  setXattr(name, 'user.test', Buffer.from('v'));
  assert.deepEqual(listXattrs(name), [['user.test', Buffer.from('v')]]);
});

test('absent is null, a missing file is ENOENT, create-only refuses to overwrite', () => {
  const file = join(dir, 'plain');
  writeFileSync(file, '');
  assert.equal(getXattr(file, 'trusted.nothing'), null);
  assert.throws(() => getXattr(join(dir, 'nope'), 'trusted.gfid'), { code: 'ENOENT' });
  assert.throws(() => listXattrs(join(dir, 'nope')), { code: 'ENOENT' });
  setXattr(file, 'trusted.x', Buffer.from('1'), XATTR_CREATE);
  assert.throws(() => setXattr(file, 'trusted.x', Buffer.from('2'), XATTR_CREATE), { code: 'EEXIST' });
  removeXattr(file, 'trusted.x');
  assert.equal(getXattr(file, 'trusted.x'), null);
});

test('values and name lists larger than the first read are read whole', async () => {
  const file = join(dir, 'large');
  writeFileSync(file, '');
  const big = Buffer.alloc(600, 7); // past the 256-byte first guess, within ext4's one-block xattr space
  setXattr(file, 'user.big', big);
  const names = Array.from({ length: 24 }, (_, i) => `user.a-rather-long-attribute-name-number-${String(i).padStart(3, '0')}`); // a name list past 1 KiB
  for (const n of names) setXattr(file, n, Buffer.from('v'));
  const all = new Map(listXattrs(file));
  assert.deepEqual(all.get('user.big'), big);
  assert.equal(all.size, 25);
  assert.deepEqual(new Map(await listXattrsAsync(file)), all);
  assert.deepEqual(getXattr(file, 'user.big'), big);
});
