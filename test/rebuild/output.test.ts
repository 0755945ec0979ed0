/**
 * The output tree on its own: what it refuses to follow, and the special files it makes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { EntryError, OutputTree } from '../../core/recover/output.ts';
import { scratch } from './encoded-volume.ts';

const work = scratch('rebuild-output');
test.after(() => work.cleanup());

const p = (path: string): Buffer => Buffer.from(path);

test('a symlink planted in DIR after it was opened is refused, never followed', async () => {
  const out = join(work.dir, 'planted');
  const elsewhere = join(work.dir, 'elsewhere');
  mkdirSync(elsewhere);
  const tree = await OutputTree.open(out, false, []);
  try {
    symlinkSync(elsewhere, join(out, 'x'));
    await assert.rejects(tree.createFile(p('/x/file')), (e: Error) => e instanceof EntryError && /x is a symlink in the output: not followed/.test(e.message));
    await assert.rejects(tree.mkdir(p('/x/sub')), EntryError);
    assert.deepEqual(readdirSync(elsewhere), []);
  } finally {
    await tree.close();
  }
});

test('names that would leave DIR are rejected before anything is created', async () => {
  const tree = await OutputTree.open(join(work.dir, 'names'), false, []);
  try {
    for (const bad of ['/a/../../etc', '/..', '/a/./b']) await assert.rejects(tree.mkdir(p(bad)), /unsafe path component/);
    await assert.rejects(tree.createFile(p('/')), /the volume root is the output directory itself/);
  } finally {
    await tree.close();
  }
});

test('sockets, FIFOs and device nodes are made under their byte names', async () => {
  const out = join(work.dir, 'specials');
  const tree = await OutputTree.open(out, false, []);
  try {
    const odd = Buffer.concat([p('/sock-'), Buffer.from([0xff, 0x0a])]);
    await tree.special(odd, 'socket', 0n);
    await tree.special(p('/fifo'), 'fifo', 0n);
    const devNull = statSync('/dev/null').rdev;
    await tree.special(p('/null'), 'chardev', BigInt(devNull));
    const names = readdirSync(out, { encoding: 'buffer' }).map((n) => n.toString('latin1')).sort();
    assert.deepEqual(names, ['fifo', 'null', Buffer.from([...Buffer.from('sock-'), 0xff, 0x0a]).toString('latin1')]);
    assert.equal(lstatSync(Buffer.concat([Buffer.from(out), odd])).isSocket(), true);
    assert.equal(lstatSync(join(out, 'fifo')).isFIFO(), true);
    assert.equal(lstatSync(join(out, 'null')).rdev, devNull);
  } finally {
    await tree.close();
  }
});
