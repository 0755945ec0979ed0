/**
 * Every breakage class of brick-layout.md §2.6 (plus a removed gfid2path xattr and a wrong
 * gfid on one brick's copy), made by hand on the stopped bricks of a clean 2+1 volume.
 * One entry per breakage, named after it under /h; most damage is on brick 0, the root
 * handle on brick 1 (a brick with a broken root handle does not start) and the wrong-gfid
 * copy on brick 2.
 */
import { linkSync, mkdirSync, readlinkSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { listXattrs, removeXattr, setXattr } from '../../../core/fs/xattr.ts';
import { brickGfid, gfidBytes, gfidText, handlePath, ROOT_GFID } from '../brick-tools.ts';
import { seededBytes } from '../content.ts';
import type { Op } from '../ops.ts';
import type { Scenario, ScenarioContext } from '../scenario.ts';

const FILES = ['missing-file-handle', 'wrong-type', 'orphaned', 'gfid-mismatch', 'wrong-bucket', 'no-gfid', 'no-gfid2path', 'wrong-gfid-copy', 'healthy'];
const DIRS = ['missing-dir-handle', 'handle-is-dir', 'renamed-behind', 'twin-a', 'twin-b'];

/** A deterministic random-version UUID, so regenerated fixtures use the same made-up gfids. */
function madeUpGfid(seed: string): string {
  const b = seededBytes(seed, 16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return gfidText(b);
}

/** Creates the bucket dirs of a handle path the way posix does (mode 0700). */
function ensureBucket(handle: string): void {
  mkdirSync(dirname(handle), { recursive: true, mode: 0o700 });
}

class BrickVandal {
  constructor(
    private readonly ctx: ScenarioContext,
    readonly index: number,
  ) {}

  get root(): string {
    return this.ctx.vol.bricks[this.index]!;
  }

  at(path: string): string {
    return join(this.root, path);
  }

  gfid(path: string): string {
    return brickGfid(this.at(path));
  }

  handle(gfid: string): string {
    return handlePath(this.root, gfid);
  }

  record(kind: string, path: string | undefined, gfid: string, detail: string, data?: Record<string, string | number>): void {
    this.ctx.addDamage({ kind, brick: this.index, ...(path ? { path } : {}), gfid, detail, ...(data ? { data } : {}) });
  }
}

function breakBrick0(b: BrickVandal, seed: string): void {
  let path = '/h/missing-file-handle';
  let g = b.gfid(path);
  unlinkSync(b.handle(g));
  b.record('missing-file-handle', path, g, 'hard-link handle removed; the named file has st_nlink 1');

  path = '/h/missing-dir-handle';
  g = b.gfid(path);
  const dirTarget = readlinkSync(b.handle(g));
  unlinkSync(b.handle(g));
  b.record('missing-dir-handle', path, g, `directory handle symlink (-> ${dirTarget}) removed`, { target: dirTarget });

  path = '/h/wrong-type';
  g = b.gfid(path);
  const wrongTarget = `../../..${path}`;
  unlinkSync(b.handle(g));
  symlinkSync(wrongTarget, b.handle(g));
  b.record('handle-wrong-type', path, g, `hard-link handle replaced by a symlink -> ${wrongTarget}`, { target: wrongTarget });

  path = '/h/handle-is-dir';
  g = b.gfid(path);
  unlinkSync(b.handle(g));
  mkdirSync(b.handle(g), { mode: 0o755 });
  b.record('handle-is-directory', path, g, 'directory handle symlink replaced by an empty real directory');

  path = '/h/renamed-behind';
  g = b.gfid(path);
  renameSync(b.at(path), b.at(`${path}.moved`));
  b.record('dangling-dir-handle', path, g, `directory renamed on this brick only to ${path}.moved; its handle still points at the old name`, {
    renamedTo: `${path}.moved`,
    target: readlinkSync(b.handle(g)),
  });

  path = '/h/orphaned';
  g = b.gfid(path);
  unlinkSync(b.at(path));
  b.record('orphan-handle', path, g, 'named file unlinked on this brick only; the handle remains with st_nlink 1');

  path = '/h/gfid-mismatch';
  g = b.gfid(path);
  const inodeGfid = madeUpGfid(`${seed}/gfid-mismatch`);
  setXattr(b.at(path), 'trusted.gfid', gfidBytes(inodeGfid));
  b.record('gfid-mismatch-name-handle', path, g, `trusted.gfid of the inode set to ${inodeGfid}; it is still linked as handle ${g}`, {
    handleGfid: g,
    inodeGfid,
  });

  const twinA = '/h/twin-a';
  const twinB = '/h/twin-b';
  const gA = b.gfid(twinA);
  const gB = b.gfid(twinB);
  setXattr(b.at(twinB), 'trusted.gfid', gfidBytes(gA));
  unlinkSync(b.handle(gB));
  b.record('shared-dir-gfid', twinB, gA, `trusted.gfid of ${twinB} set to ${twinA}'s gfid ${gA}; its own handle ${gB} removed (no inode on this brick has that gfid any more)`, {
    sharedWith: twinA,
    originalGfid: gB,
  });

  path = '/h/wrong-bucket';
  g = b.gfid(path);
  const wrongBucket = ((parseInt(g.slice(0, 2), 16) + 1) % 256).toString(16).padStart(2, '0');
  const from = b.handle(g);
  const to = join(b.root, '.glusterfs', wrongBucket, g.slice(2, 4), g);
  ensureBucket(to);
  renameSync(from, to);
  b.record('handle-wrong-bucket', path, g, `handle moved from .glusterfs/${g.slice(0, 2)}/${g.slice(2, 4)}/ to .glusterfs/${wrongBucket}/${g.slice(2, 4)}/`, {
    from: from.slice(b.root.length),
    to: to.slice(b.root.length),
  });

  path = '/h/no-gfid';
  g = b.gfid(path);
  removeXattr(b.at(path), 'trusted.gfid');
  b.record('missing-gfid-xattr', path, g, 'trusted.gfid removed from the inode (name and handle are the same inode, so both lost it); the handle link remains');

  path = '/h/no-gfid2path';
  g = b.gfid(path);
  const keys = listXattrs(b.at(path))
    .map(([name]) => name)
    .filter((name) => name.startsWith('trusted.gfid2path.'));
  for (const key of keys) removeXattr(b.at(path), key);
  b.record('missing-gfid2path', path, g, `removed ${keys.join(', ')}`, { removed: keys.join(',') });
}

function replaceRootHandle(b: BrickVandal): void {
  const handle = b.handle(ROOT_GFID);
  unlinkSync(handle);
  mkdirSync(handle, { mode: 0o755 });
  b.record('root-handle-is-directory', undefined, ROOT_GFID, 'root handle symlink (-> ../../..) replaced by an empty real directory; the brick does not start like this');
}

function giveCopyAnotherGfid(b: BrickVandal, seed: string): void {
  const path = '/h/wrong-gfid-copy';
  const g = b.gfid(path);
  const other = madeUpGfid(`${seed}/wrong-gfid-copy`);
  setXattr(b.at(path), 'trusted.gfid', gfidBytes(other));
  const handle = b.handle(other);
  ensureBucket(handle);
  linkSync(b.at(path), handle);
  unlinkSync(b.handle(g));
  b.record('wrong-gfid-on-copy', path, g, `this brick's copy carries gfid ${other} (handle moved to match) while the other bricks have ${g}`, {
    gfidOnThisBrick: other,
    gfidElsewhere: g,
  });
}

export const ec2p1BrokenHandles: Scenario = {
  name: 'ec-2p1-broken-handles',
  description: 'disperse 2+1, clean, then every .glusterfs breakage class of brick-layout.md 2.6 made by hand on the stopped bricks (mostly brick 0)',
  spec: { type: 'disperse', k: 2, r: 1 },
  async run(ctx) {
    const ops: Op[] = [
      { op: 'mkdir', path: '/h' },
      ...FILES.map((name): Op => ({ op: 'write', path: `/h/${name}`, data: seededBytes(`${ctx.seed}/${name}`, 700) })),
      ...DIRS.map((name): Op => ({ op: 'mkdir', path: `/h/${name}` })),
      { op: 'write', path: '/h/renamed-behind/inner', data: seededBytes(`${ctx.seed}/inner`, 100) },
    ];
    await ctx.apply(ops);
    await ctx.recordNamespace();
    ctx.note('entries are the namespace before the damage; every damage record is relative to it');
    await ctx.vol.stop();
    breakBrick0(new BrickVandal(ctx, 0), ctx.seed);
    replaceRootHandle(new BrickVandal(ctx, 1));
    giveCopyAnotherGfid(new BrickVandal(ctx, 2), ctx.seed);
  },
};
