import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirHandleTarget, handleRelPath, parseDirHandleTarget, parseGfid, ROOT_GFID } from '../../core/gfid-tree/gfid.ts';
import { escapeName, unescapeName } from '../../core/fs/names.ts';

test('parseGfid accepts what admins paste', () => {
  const g = '035e31fa-eb0a-431a-8d46-876f553b518d';
  assert.equal(parseGfid(g), g);
  assert.equal(parseGfid('035E31FAEB0A431A8D46876F553B518D'), g);
  assert.equal(parseGfid(`<gfid:${g}>`), g);
  assert.equal(parseGfid(`<gfid:${g}>/name`), g);
  assert.equal(parseGfid('/dir1/file'), null);
});

test('handle paths and directory handle targets', () => {
  assert.equal(handleRelPath('035e31fa-eb0a-431a-8d46-876f553b518d'), '.glusterfs/03/5e/035e31fa-eb0a-431a-8d46-876f553b518d');
  const target = dirHandleTarget(ROOT_GFID, Buffer.from('dir1'));
  assert.equal(target.toString(), '../../00/00/00000000-0000-0000-0000-000000000001/dir1');
  assert.deepEqual(parseDirHandleTarget(target), { parentGfid: ROOT_GFID, name: Buffer.from('dir1') });
  assert.equal(parseDirHandleTarget(Buffer.from('../../..')), 'root');
  assert.equal(parseDirHandleTarget(Buffer.from('../../00/01/00000000-0000-0000-0000-000000000001/dir1')), null);
  assert.equal(parseDirHandleTarget(Buffer.from('/abs/path')), null);
});

test('byte names are escaped reversibly on one line', () => {
  for (const raw of [Buffer.from('plain'), Buffer.from('日本 語'), Buffer.from('new\nline'), Buffer.from([0x66, 0xff, 0xfe, 0x5c]), Buffer.from([0xc3])]) {
    const text = escapeName(raw);
    assert.ok(!text.includes('\n'));
    assert.deepEqual(unescapeName(text), raw);
  }
  assert.equal(escapeName(Buffer.from([0x61, 0xff])), 'a\\xff');
});
