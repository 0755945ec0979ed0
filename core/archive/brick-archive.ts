/**
 * Brick archives: tarballs of brick directories that keep trusted.* xattrs, hard links and
 * holes, laid out as `bricks/b0 … bN-1`, `volinfo/info` and `truth.json`. The bundled
 * examples in testdata/ are such archives, made by real GlusterFS.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GfsckError } from '../errors.ts';

export interface ExtractedArchive { dir: string; bricks: string[]; volinfo: string | null; truthFile: string | null; remove(): void }

export function extractBrickArchive(tarball: string, into?: string): ExtractedArchive {
  if (!existsSync(tarball)) throw new GfsckError('operational', `${tarball}: no such archive`);
  const dir = into ?? mkdtempSync(join(tmpdir(), 'gfsck-bricks-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    execFileSync('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '-xpzf', tarball, '-C', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    remove();
    throw new GfsckError('operational', `cannot extract ${tarball}: ${String((e as { stderr?: Buffer }).stderr ?? e).trim().split('\n')[0]}`);
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
