/**
 * Fixture archives under testdata/: `importFixture` unpacks one for offline tests (no
 * cluster needed), `withImportedFixture` additionally serves its bricks from a fresh volume.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractArchive } from './archive.ts';
import { specFromTruth } from './layout.ts';
import { register, scratchRoot } from './registry.ts';
import type { Truth } from './truth.ts';
import { withImportedVolume, type Volume } from './volume.ts';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TESTDATA_DIR = join(REPO_ROOT, 'testdata');

export const fixtureArchive = (name: string): string => join(TESTDATA_DIR, `${name}.tar.gz`);

export interface ImportedFixture {
  /** Where the archive was unpacked. */
  dir: string;
  /** Brick dirs in volume order (`<dir>/bricks/b<i>`). */
  bricks: string[];
  truth: Truth;
  /** Holds `info`, glusterd's record of the original volume. */
  volinfoDir: string;
  /** Removes the unpacked copy. */
  cleanup(): void;
}

/** Unpacks testdata/<name>.tar.gz (or an archive path) into a fresh directory. */
export async function importFixture(nameOrArchive: string): Promise<ImportedFixture> {
  const archive = nameOrArchive.endsWith('.tar.gz') ? nameOrArchive : fixtureArchive(nameOrArchive);
  const base = join(scratchRoot(), 'fixtures');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, 'unpacked-'));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  const unregister = register({ label: `unpacked fixture ${dir}`, releaseSync: remove });
  const cleanup = (): void => {
    remove();
    unregister();
  };
  try {
    await extractArchive(archive, dir);
    const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth;
    const bricks = truth.bricks.map((b) => join(dir, 'bricks', `b${b.index}`));
    return { dir, bricks, truth, volinfoDir: join(dir, 'volinfo'), cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}

/**
 * Unpacks a fixture and serves its bricks from a fresh, mounted volume under a name unique
 * to this run (the recorded name rewritten on the copy, see withImportedVolume), for the
 * duration of `fn`; everything is removed afterwards.
 */
export async function withImportedFixture<T>(name: string, fn: (vol: Volume, fixture: ImportedFixture) => Promise<T>): Promise<T> {
  const fixture = await importFixture(name);
  try {
    return await withImportedVolume(fixture.bricks, specFromTruth(fixture.truth.volume), (vol) => fn(vol, fixture), fixture.truth.volume.name);
  } finally {
    fixture.cleanup();
  }
}
