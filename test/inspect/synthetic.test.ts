/**
 * Every check against exactly one planted damage each, on a disperse set built file by file
 * with real xattrs. testdata/ fixtures prove the same on bricks real GlusterFS wrote.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyntheticVolume } from '../support/synthetic-volume.ts';
import { compact, inspectFindings } from '../support/inspect-run.ts';
import { removeXattr, setXattr } from '../../core/fs/xattr.ts';
import { ROOT_GFID, gfidToBytes, handleRelPath } from '../../core/gfid-tree/gfid.ts';
import { gfid2pathKey, gfid2pathValue } from '../../core/xattr/gfid2path.ts';

const pair = (a: bigint, b: bigint) => { const x = Buffer.alloc(16); x.writeBigUInt64BE(a, 0); x.writeBigUInt64BE(b, 8); return x; };
const u64 = (n: bigint) => { const x = Buffer.alloc(8); x.writeBigUInt64BE(n); return x; };

function build(root: string): SyntheticVolume {
  const v = new SyntheticVolume(root, 2, 1);
  for (const d of ['/d1', '/d2', '/d3', '/d5', '/d6']) v.mkdir(d);
  for (let i = 1; i <= 9; i++) v.file(`/d1/f${i}`, 1000 * i);
  v.file('/big', 10_000);
  v.file('/stale', 3000);
  v.file('/healing', 700);
  v.file('/empty', 0);
  v.symlink('/d1/link', 'f1');
  v.hardlink('/d1/f1', '/d2/f1-again');
  return v;
}

test('a clean synthetic 2+1 set has no findings', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gfsck-clean-'));
  try {
    const v = build(root);
    assert.deepEqual(compact(await inspectFindings(v.bricks), v.bricks), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('each planted damage gives exactly its findings', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gfsck-damaged-'));
  try {
    const v = build(root);
    const [b0, b1, b2] = v.bricks as [string, string, string];
    const h = (brick: string, path: string) => join(brick, handleRelPath(v.gfidOf(path)));
    unlinkSync(h(b0, '/d1/f1'));                                    // missing file handle
    unlinkSync(h(b0, '/d2'));                                       // missing dir handle
    unlinkSync(h(b0, '/d1/f2'));                                    // handle of the wrong type
    symlinkSync('../../../d1/f2', h(b0, '/d1/f2'));
    unlinkSync(h(b0, '/d1/f3'));                                    // handle that is a real directory
    mkdirSync(h(b0, '/d1/f3'));
    unlinkSync(join(b1, handleRelPath(ROOT_GFID)));                 // root handle is a directory
    mkdirSync(join(b1, handleRelPath(ROOT_GFID)));
    renameSync(join(b0, 'd3'), join(b0, 'd3-renamed'));            // dangling dir symlink
    unlinkSync(join(b0, 'd1/f4'));                                  // orphan handle
    setXattr(join(b0, 'd1/f5'), 'trusted.gfid', gfidToBytes('11111111-2222-4333-8444-555555555555')); // name <-> handle
    setXattr(join(b0, 'd5'), 'trusted.gfid', gfidToBytes(v.gfidOf('/d6')));                           // two dirs, one gfid
    mkdirSync(join(b0, '.glusterfs/ff/ff'), { recursive: true });   // handle in the wrong bucket
    renameSync(h(b0, '/d1/f6'), join(b0, '.glusterfs/ff/ff', v.gfidOf('/d1/f6')));
    removeXattr(join(b0, 'd1/f7'), 'trusted.gfid');                 // entry without gfid
    removeXattr(join(b0, 'd1/f8'), gfid2pathKey(gfid2pathValue(v.gfidOf('/d1'), Buffer.from('f8')))); // gfid2path gone
    removeXattr(join(b1, 'd2/f1-again'), gfid2pathKey(gfid2pathValue(v.gfidOf('/d2'), Buffer.from('f1-again')))); // a hard link's gfid2path gone
    setXattr(join(b0, 'd1/f9'), 'trusted.glusterfs.mdata', Buffer.alloc(10)); // malformed xattr
    for (const b of [b0, b1]) {                                      // the unhealable crash
      setXattr(join(b, 'big'), 'trusted.ec.size', u64(1024n));
      setXattr(join(b, 'big'), 'trusted.ec.version', pair(9n, 9n));
      setXattr(join(b, 'big'), 'trusted.ec.dirty', pair(2n, 2n));
      setXattr(join(b, 'stale'), 'trusted.ec.version', pair(2n, 2n)); // b2 stale
      setXattr(join(b, 'stale'), 'trusted.ec.dirty', pair(1n, 1n));
    }
    setXattr(join(b2, 'big'), 'trusted.ec.size', u64(0n));
    setXattr(join(b2, 'big'), 'trusted.ec.version', pair(0n, 0n));
    truncateSync(join(b2, 'big'), 2048);
    setXattr(join(b2, 'healing'), 'trusted.ec.version', pair((1n << 62n) | 1n, 1n)); // heal bit
    writeFileSync(join(b0, '.glusterfs/indices/xattrop/xattrop-0c1e5e3a-1d2b-4e5f-8a9b-0c1d2e3f4a5b'), '');
    linkSync(join(b0, '.glusterfs/indices/xattrop/xattrop-0c1e5e3a-1d2b-4e5f-8a9b-0c1d2e3f4a5b'),
      join(b0, '.glusterfs/indices/xattrop', v.gfidOf('/stale')));  // heal index entry

    const got = compact(await inspectFindings(v.bricks), v.bricks);
    const g = (p: string) => v.gfidOf(p);
    const expected = [
      'HANDLE_MISSING b0 /d1/f1', 'HANDLE_MISSING b0 /d2', 'HANDLE_WRONG_TYPE b0 /d1/f2', 'HANDLE_IS_DIRECTORY b0 /d1/f3',
      'ROOT_HANDLE_BAD b1 /',
      'DIR_HANDLE_DANGLING b0 /d3-renamed', 'SET_ENTRY_MISSING b0 /d3', 'SET_STALE_NAME b0 /d3-renamed',
      `HANDLE_ORPHAN b0 ${g('/d1/f4')}`, 'SET_ENTRY_MISSING b0 /d1/f4',
      'HANDLE_GFID_MISMATCH b0 /d1/f5', 'HANDLE_MISSING b0 /d1/f5', 'SET_GFID_MISMATCH b0 /d1/f5',
      'GFID_DUPLICATE b0 /d5', 'DIR_HANDLE_DANGLING b0 /d5', `DIR_HANDLE_DANGLING b0 ${g('/d5')}`, 'SET_GFID_MISMATCH b0 /d5',
      `HANDLE_WRONG_BUCKET b0 ${g('/d1/f6')}`, 'HANDLE_MISSING b0 /d1/f6',
      'GFID_MISSING b0 /d1/f7', 'SET_GFID_MISMATCH b0 /d1/f7',
      'GFID2PATH_MISSING b0 /d1/f8', 'GFID2PATH_MISSING b1 /d1/f1', 'GFID2PATH_MISSING b1 /d2/f1-again',
      'XATTR_MALFORMED b0 /d1/f9', 'SET_METADATA_MISMATCH b0 /d1/f9',
      'EC_FRAGMENT_SIZE b0 /big', 'EC_FRAGMENT_SIZE b1 /big', 'EC_FRAGMENT_SIZE b2 /big', 'EC_DIRTY b0 /big', 'EC_DIRTY b1 /big',
      'EC_VERSION_MISMATCH set /big', 'EC_UNHEALABLE set /big',
      'EC_DIRTY b0 /stale', 'EC_DIRTY b1 /stale', 'EC_VERSION_MISMATCH b2 /stale', 'HEAL_PENDING b0 /stale',
      'EC_HEALING b2 /healing', 'EC_VERSION_MISMATCH b2 /healing',
    ].sort();
    assert.deepEqual(got, expected);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
