/**
 * Direct reads and edits of brick directories (volume stopped): gfids, handle paths, and
 * walks of the user namespace. Scenarios use these to damage bricks precisely and to find
 * what GlusterFS itself placed (linkto files, shards).
 */
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { getXattr } from '../../core/fs/xattr.ts';

export const ROOT_GFID = '00000000-0000-0000-0000-000000000001';

export function gfidText(raw: Buffer): string {
  const h = raw.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const gfidBytes = (text: string): Buffer => Buffer.from(text.replace(/-/g, ''), 'hex');

/** `trusted.gfid` of a path on a brick (no-follow), as text. */
export function brickGfid(path: string): string {
  const raw = getXattr(path, 'trusted.gfid');
  if (!raw) throw new Error(`${path} has no trusted.gfid`);
  return gfidText(raw);
}

/** `<brick>/.glusterfs/<hh>/<hh>/<gfid>`: where GlusterFS keeps the handle of a gfid. */
export const handlePath = (brick: string, gfid: string): string => join(brick, '.glusterfs', gfid.slice(0, 2), gfid.slice(2, 4), gfid);

/** Index entries of inodes GlusterFS considers in need of heal (EC: xattrop; AFR also dirty), base files left out. */
export function pendingIndexEntries(brick: string): string[] {
  const pending: string[] = [];
  for (const area of ['xattrop', 'dirty']) {
    const dir = join(brick, '.glusterfs', 'indices', area);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    pending.push(...names.filter((n) => !n.startsWith(`${area}-`)).map((n) => `${area}/${n}`));
  }
  return pending;
}

/** A path below a brick, `/`-rooted, with its lstat. */
export interface BrickEntry {
  path: string;
  abs: string;
  stat: Stats;
}

/** User-visible paths on a brick (everything but .glusterfs, unless `withGlusterfs`). */
export function walkBrick(brick: string, withGlusterfs = false): BrickEntry[] {
  const out: BrickEntry[] = [];
  const walk = (abs: string, rel: string): void => {
    for (const name of readdirSync(abs).sort()) {
      if (rel === '' && name === '.glusterfs' && !withGlusterfs) continue;
      const childAbs = join(abs, name);
      const stat = lstatSync(childAbs);
      out.push({ path: `${rel}/${name}`, abs: childAbs, stat });
      if (stat.isDirectory()) walk(childAbs, `${rel}/${name}`);
    }
  };
  walk(brick, '');
  return out;
}

/** Reads a NUL-terminated string xattr (e.g. `trusted.glusterfs.dht.linkto`), or undefined when absent. */
export function stringXattr(path: string, name: string): string | undefined {
  const raw = getXattr(path, name);
  return raw ? raw.toString('latin1').replace(/\0+$/, '') : undefined;
}
