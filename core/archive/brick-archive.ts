/**
 * Brick archives: tarballs of brick directories that keep trusted.* xattrs, hard links and
 * holes, laid out as `bricks/b0 … bN-1`, `volinfo/info` and `truth.json`. The bundled
 * examples in testdata/ are such archives, made by real GlusterFS.
 *
 * GNU tar restores hard links of regular files and symlinks, but stores every other hard-
 * linked inode (a FIFO and its .glusterfs handle) as separate members. Archives therefore
 * carry `special-links.txt`: NUL-separated groups of member paths, one group per line,
 * re-linked after extraction.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GfsckError } from '../errors.ts';

export const SPECIAL_LINKS = 'special-links.txt';
const TAR_XATTRS = ['--xattrs', '--xattrs-include=*', '--numeric-owner'];

/** Groups of paths (relative to `base`) that are one non-regular, non-symlink inode. */
export function specialLinkGroups(base: string, roots: string[]): string[][] {
  const groups = new Map<string, string[]>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(base, rel))) {
      const path = join(rel, name);
      const st = lstatSync(join(base, path), { bigint: true });
      if (st.isDirectory()) walk(path);
      else if (!st.isFile() && !st.isSymbolicLink() && st.nlink > 1n) {
        const key = `${st.dev}:${st.ino}`;
        groups.set(key, [...(groups.get(key) ?? []), path]);
      }
    }
  };
  roots.forEach(walk);
  return [...groups.values()].filter((g) => g.length > 1);
}

export const formatSpecialLinks = (groups: string[][]): string => groups.map((g) => g.join('\0')).join('\n');

/** Extracts with xattrs, owners and modes as stored (trusted.* needs root), then re-links. */
export function extractArchiveInto(tarball: string, dest: string): void {
  mkdirSync(dest, { recursive: true });
  try {
    execFileSync('tar', [...TAR_XATTRS, '--same-owner', '--same-permissions', '-xzf', tarball, '-C', dest], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new GfsckError('operational', `cannot extract ${tarball}: ${String((e as { stderr?: Buffer }).stderr ?? e).trim().split('\n')[0]}`);
  }
  const manifest = join(dest, SPECIAL_LINKS);
  if (!existsSync(manifest)) return;
  for (const line of readFileSync(manifest, 'utf8').split('\n').filter(Boolean)) {
    const [first, ...others] = line.split('\0');
    for (const other of others) {
      const tmp = join(dest, `${other}.relink`);
      linkSync(join(dest, first!), tmp);
      renameSync(tmp, join(dest, other));
    }
  }
}

export interface ExtractedArchive { dir: string; bricks: string[]; volinfo: string | null; truthFile: string | null; remove(): void }

export function extractBrickArchive(tarball: string, into?: string): ExtractedArchive {
  if (!existsSync(tarball)) throw new GfsckError('operational', `${tarball}: no such archive`);
  const dir = into ?? mkdtempSync(join(tmpdir(), 'gfsck-bricks-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    extractArchiveInto(tarball, dir);
  } catch (e) {
    remove();
    throw e;
  }
  const brickDir = join(dir, 'bricks');
  const bricks = existsSync(brickDir)
    ? readdirSync(brickDir).filter((n) => /^b\d+$/.test(n)).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))).map((n) => join(brickDir, n))
    : [];
  if (bricks.length === 0) {
    remove();
    throw new GfsckError('operational', `${tarball}: not a brick archive (no bricks/b0)`);
  }
  const volinfo = existsSync(join(dir, 'volinfo', 'info')) ? join(dir, 'volinfo') : null;
  const truthFile = existsSync(join(dir, 'truth.json')) ? join(dir, 'truth.json') : null;
  return { dir, bricks, volinfo, truthFile, remove };
}
