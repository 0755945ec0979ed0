/**
 * Builds disperse brick sets the way GlusterFS 10.3 lays them out (brick-layout.md §1–4):
 * real files, real trusted.* xattrs, a .glusterfs handle tree. File contents are zeros, whose
 * fragments are zeros too, so any size is a valid encoding. Used by tests that need exact
 * control over damage, and by the scan benchmark, which needs bricks of 100k+ entries.
 * Fixtures made by real GlusterFS (testdata/) prove the same checks on the real thing.
 */
import { linkSync, mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { setXattr } from '../../core/fs/xattr.ts';
import { ROOT_GFID, dirHandleTarget, formatGfid, gfidToBytes, handleRelPath } from '../../core/gfid-tree/gfid.ts';
import { gfid2pathKey, gfid2pathValue } from '../../core/xattr/gfid2path.ts';
import { fragmentLength } from '../../core/ec/layout.ts';

const u64 = (n: bigint | number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};
const pair = (a: number, b: number) => Buffer.concat([u64(a), u64(b)]);

function mdata(seconds: number): Buffer {
  const b = Buffer.alloc(57);
  b[0] = 1;
  for (const at of [9, 25, 41]) b.writeBigUInt64BE(BigInt(seconds), at);
  return b;
}

export class SyntheticVolume {
  readonly bricks: string[];
  private readonly gfids = new Map<string, string>();
  private counter = 0;

  /** `materialize` bricks of the set are written (all by default; benchmarks need only one). */
  constructor(readonly root: string, readonly k: number, readonly r: number, private readonly seed = 'gfsck', materialize = k + r) {
    this.bricks = Array.from({ length: materialize }, (_, i) => join(root, `b${i}`));
    const volumeId = this.nextGfid();
    for (const brick of this.bricks) {
      mkdirSync(join(brick, '.glusterfs', '00', '00'), { recursive: true, mode: 0o700 });
      for (const idx of ['xattrop', 'dirty', 'entry-changes']) mkdirSync(join(brick, '.glusterfs', 'indices', idx), { recursive: true });
      symlinkSync('../../..', join(brick, handleRelPath(ROOT_GFID)));
      setXattr(brick, 'trusted.glusterfs.volume-id', gfidToBytes(volumeId));
      setXattr(brick, 'trusted.gfid', gfidToBytes(ROOT_GFID));
      setXattr(brick, 'trusted.ec.version', pair(1, 1));
      setXattr(brick, 'trusted.glusterfs.mdata', mdata(1_700_000_000));
    }
    this.gfids.set('/', ROOT_GFID);
  }

  /** Deterministic gfids, so a rebuilt volume has the same ones. */
  private nextGfid(): string {
    const h = createHash('sha256').update(`${this.seed}/${this.counter++}`).digest();
    h[6] = (h[6]! & 0x0f) | 0x40;
    h[8] = (h[8]! & 0x3f) | 0x80;
    return formatGfid(h.subarray(0, 16));
  }

  gfidOf(path: string): string {
    const g = this.gfids.get(path);
    if (!g) throw new Error(`no such entry ${path}`);
    return g;
  }

  private parent(path: string): { parentGfid: string; name: string } {
    const i = path.lastIndexOf('/');
    return { parentGfid: this.gfidOf(i === 0 ? '/' : path.slice(0, i)), name: path.slice(i + 1) };
  }

  private common(abs: string, gfid: string): void {
    setXattr(abs, 'trusted.gfid', gfidToBytes(gfid));
    setXattr(abs, 'trusted.glusterfs.mdata', mdata(1_700_000_000 + this.counter));
  }

  private ensureBucket(brick: string, gfid: string): string {
    const handle = join(brick, handleRelPath(gfid));
    mkdirSync(join(handle, '..'), { recursive: true, mode: 0o700 });
    return handle;
  }

  private addGfid2path(abs: string, parentGfid: string, name: string): void {
    const value = gfid2pathValue(parentGfid, Buffer.from(name));
    setXattr(abs, gfid2pathKey(value), value);
  }

  mkdir(path: string): string {
    const gfid = this.nextGfid();
    const { parentGfid, name } = this.parent(path);
    for (const brick of this.bricks) {
      const abs = join(brick, path);
      mkdirSync(abs);
      this.common(abs, gfid);
      setXattr(abs, 'trusted.ec.version', pair(1, 1));
      setXattr(abs, 'trusted.ec.dirty', pair(0, 0));
      setXattr(abs, 'trusted.glusterfs.dht', Buffer.from('0000000000000000' + '00000000ffffffff', 'hex'));
      symlinkSync(dirHandleTarget(parentGfid, Buffer.from(name)), this.ensureBucket(brick, gfid));
    }
    this.gfids.set(path, gfid);
    return gfid;
  }

  /** A regular file of `size` zero bytes: fragments of the right length on every brick. */
  file(path: string, size: number): string {
    const gfid = this.nextGfid();
    const { parentGfid, name } = this.parent(path);
    const fragment = fragmentLength(size, this.k);
    for (const brick of this.bricks) {
      const abs = join(brick, path);
      writeFileSync(abs, '');
      if (fragment > 0) truncateSync(abs, fragment);
      this.common(abs, gfid);
      this.addGfid2path(abs, parentGfid, name);
      setXattr(abs, 'trusted.ec.config', Buffer.from([0, 0, 8, this.k + this.r, this.r, 0, 2, 0]));
      setXattr(abs, 'trusted.ec.size', u64(size));
      setXattr(abs, 'trusted.ec.version', pair(size > 0 ? 1 : 0, 1));
      if (size > 0) setXattr(abs, 'trusted.ec.dirty', pair(0, 0));
      linkSync(abs, this.ensureBucket(brick, gfid));
    }
    this.gfids.set(path, gfid);
    return gfid;
  }

  symlink(path: string, target: string): string {
    const gfid = this.nextGfid();
    const { parentGfid, name } = this.parent(path);
    for (const brick of this.bricks) {
      const abs = join(brick, path);
      symlinkSync(target, abs);
      this.common(abs, gfid);
      this.addGfid2path(abs, parentGfid, name);
      linkSync(abs, this.ensureBucket(brick, gfid));
    }
    this.gfids.set(path, gfid);
    return gfid;
  }

  hardlink(existing: string, path: string): void {
    const { parentGfid, name } = this.parent(path);
    for (const brick of this.bricks) {
      linkSync(join(brick, existing), join(brick, path));
      this.addGfid2path(join(brick, path), parentGfid, name);
    }
    this.gfids.set(path, this.gfidOf(existing));
  }

  /** `/d0 … /d<dirs-1>`, each holding `/f0 … /f<files-1>` of `sizeOf(f)` bytes: a brick of some size. */
  populate(dirs: number, files: number, sizeOf: (f: number) => number): void {
    for (let d = 0; d < dirs; d++) {
      this.mkdir(`/d${d}`);
      for (let f = 0; f < files; f++) this.file(`/d${d}/f${f}`, sizeOf(f));
    }
  }
}
