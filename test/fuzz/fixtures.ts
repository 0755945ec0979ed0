/**
 * Pristine copies of fixture bricks real GlusterFS wrote, extracted once per run, and a
 * fresh copy of one (xattrs, hard links and all) for each case to damage.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractBrickArchive, type ExtractedArchive } from '../../core/archive/brick-archive.ts';
import type { Truth } from '../cluster/truth.ts';
import type { FuzzCase } from './commands.ts';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Disperse with broken handles, replica with a brick down, sharded distribute, distributed disperse with linkto files. */
export const FUZZ_FIXTURES = ['ec-2p1-broken-handles', 'rep3-brick-down', 'dist-shard', 'dist-ec-2x2p1-linkto'];

/** A gfid no brick has: `gfsck gfid` reports it unresolved, `gfsck xattrs` refuses it (so its row leaves it out). */
export const UNKNOWN_GFID = '12345678-1234-1234-1234-123456789abc';

export interface Pristine { name: string; archive: ExtractedArchive; volume: string; ids: string[] }

export function extractPristine(name: string): Pristine {
  const archive = extractBrickArchive(join(PROJECT_ROOT, 'testdata', `${name}.tar.gz`));
  const truth = JSON.parse(readFileSync(archive.truthFile!, 'utf8')) as Truth;
  // A few gfids of handles on the first brick, the root, and a gfid no brick has.
  const glusterfs = join(archive.bricks[0]!, '.glusterfs');
  const gfids = readdirSync(glusterfs).filter((n) => /^[0-9a-f]{2}$/.test(n)).slice(0, 3)
    .flatMap((xx) => readdirSync(join(glusterfs, xx)).slice(0, 1).flatMap((yy) => readdirSync(join(glusterfs, xx, yy)).slice(0, 2)));
  return { name, archive, volume: truth.volume.name, ids: [...gfids, '/', UNKNOWN_GFID] };
}

/** Cases live on the same filesystem as the extracted fixtures (trusted.* xattrs need a real one). */
export function caseRoot(pristine: Pristine[]): string {
  return mkdtempSync(join(pristine[0]!.archive.dir, '..', 'gfsck-fuzz-'));
}

export function copyCase(p: Pristine, root: string, index: number, withVolinfo: boolean): FuzzCase {
  const dir = join(root, `case-${index}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const copy = spawnSync('cp', ['-a', join(p.archive.dir, 'bricks'), join(dir, 'bricks')], { encoding: 'utf8' });
  if (copy.status !== 0) throw new Error(`cp -a failed: ${copy.stderr}`);
  const bricks = p.archive.bricks.map((b) => join(dir, 'bricks', b.slice(b.lastIndexOf('/') + 1)));
  return { dir, bricks, volinfo: withVolinfo ? p.archive.volinfo : null, ids: p.ids };
}
