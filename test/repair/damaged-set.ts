/**
 * A synthetic 2+1 set with one of each handle-tree breakage (brick-layout.md §2.6) planted
 * by hand, for the rebuild --handles tests. Every damage is on one brick, so the other two
 * always hold the majority view.
 */
import { linkSync, mkdirSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SyntheticVolume } from '../support/synthetic-volume.ts';
import { removeXattr, setXattr } from '../../core/fs/xattr.ts';
import { ROOT_GFID, gfidToBytes, handleRelPath } from '../../core/gfid-tree/gfid.ts';
import { gfid2pathKey, gfid2pathValue } from '../../core/xattr/gfid2path.ts';

export const MADE_UP = '11111111-2222-4333-8444-555555555555';
export const ALIAS = '66666666-7777-4888-9999-aaaaaaaaaaaa';

export interface DamagedSet {
  v: SyntheticVolume;
  bricks: [string, string, string];
  /** The gfid and brick-0 handle of the file whose last name on brick 0 was removed. */
  orphan: { gfid: string; handle: string };
}

export function buildDamagedSet(root: string): DamagedSet {
  const v = new SyntheticVolume(root, 2, 1);
  for (const d of ['/d1', '/d2', '/d3', '/d4', '/d5', '/d6']) v.mkdir(d);
  for (let i = 1; i <= 12; i++) v.file(`/d1/f${i}`, 1000 * i);
  v.symlink('/d1/link', 'f1');
  v.hardlink('/d1/f1', '/d2/f1-again');
  const bricks = v.bricks as [string, string, string];
  const [b0, b1, b2] = bricks;
  const h = (brick: string, path: string) => join(brick, handleRelPath(v.gfidOf(path)));
  const key = (dir: string, name: string) => gfid2pathKey(gfid2pathValue(v.gfidOf(dir), Buffer.from(name)));

  unlinkSync(h(b0, '/d1/f1'));                                             // HANDLE_MISSING (file with two names)
  unlinkSync(h(b0, '/d2'));                                                // HANDLE_MISSING (directory)
  unlinkSync(h(b2, '/d1/link'));                                           // HANDLE_MISSING (user symlink)
  unlinkSync(h(b0, '/d1/f2'));                                             // HANDLE_WRONG_TYPE
  symlinkSync('../../../d1/f2', h(b0, '/d1/f2'));
  unlinkSync(h(b0, '/d1/f3'));                                             // HANDLE_IS_DIRECTORY, with something in it
  mkdirSync(h(b0, '/d1/f3'));
  writeFileSync(join(h(b0, '/d1/f3'), 'left-behind'), 'data someone put here');
  unlinkSync(h(b0, '/d1/f11'));                                            // HANDLE_WRONG_INODE: a link of another file
  linkSync(join(b0, 'd1/f12'), h(b0, '/d1/f11'));
  unlinkSync(join(b1, handleRelPath(ROOT_GFID)));                         // ROOT_HANDLE_BAD: a directory
  mkdirSync(join(b1, handleRelPath(ROOT_GFID)));
  unlinkSync(join(b2, handleRelPath(ROOT_GFID)));                         // ROOT_HANDLE_MISSING
  renameSync(join(b0, 'd3'), join(b0, 'd3-renamed'));                    // DIR_HANDLE_DANGLING
  unlinkSync(h(b0, '/d4'));                                                // DIR_HANDLE_MALFORMED
  symlinkSync('garbage', h(b0, '/d4'));
  unlinkSync(join(b0, 'd1/f4'));                                           // HANDLE_ORPHAN
  setXattr(join(b0, 'd1/f5'), 'trusted.gfid', gfidToBytes(MADE_UP));       // gfid mismatch name <-> handle
  mkdirSync(join(b1, '.glusterfs', ALIAS.slice(0, 2), ALIAS.slice(2, 4)), { recursive: true });
  linkSync(join(b1, 'd1/f6'), join(b1, handleRelPath(ALIAS)));             // a stale alias of a healthy name
  mkdirSync(join(b0, '.glusterfs/ff/ff'), { recursive: true });            // HANDLE_WRONG_BUCKET
  renameSync(h(b0, '/d1/f7'), join(b0, '.glusterfs/ff/ff', v.gfidOf('/d1/f7')));
  removeXattr(join(b0, 'd1/f8'), 'trusted.gfid');                          // GFID_MISSING
  removeXattr(join(b2, 'd1/f9'), key('/d1', 'f9'));                        // GFID2PATH_MISSING
  const value = gfid2pathValue(v.gfidOf('/d1'), Buffer.from('f10'));      // GFID2PATH_BAD_KEY
  removeXattr(join(b1, 'd1/f10'), gfid2pathKey(value));
  setXattr(join(b1, 'd1/f10'), 'trusted.gfid2path.0123456789abcdef', value);
  setXattr(join(b0, 'd5'), 'trusted.gfid', gfidToBytes(v.gfidOf('/d6'))); // two directories, one gfid
  return { v, bricks, orphan: { gfid: v.gfidOf('/d1/f4'), handle: h(b0, '/d1/f4') } };
}
