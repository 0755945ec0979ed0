/**
 * The ec-2p1-broken-handles fixture (real GlusterFS bricks with every breakage class of
 * brick-layout.md §2.6 made by hand) unpacked and run through `gfsck rebuild --handles
 * --apply`, for the cluster tests of the repair and of `gfsck gfid`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importFixture, type ImportedFixture } from '../cluster/fixture.ts';
import { gfsck, type CliResult } from '../support/cli.ts';
import { handleRelPath } from '../../core/gfid-tree/gfid.ts';

export const FIXTURE = 'ec-2p1-broken-handles';

export const sha256File = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

export interface RepairedFixture {
  fixture: ImportedFixture;
  /** `gfsck rebuild --handles --apply --adopt` as run. */
  repair: CliResult;
  adoptDir: string;
  journal: string;
  /** The orphan the fixture planted: its brick, gfid and the sha256 of what its handle held. */
  orphan: { brick: string; gfid: string; sha256: string };
}

export async function importAndRepair(): Promise<RepairedFixture> {
  const fixture = await importFixture(FIXTURE);
  try {
    const planted = fixture.truth.damage.find((d) => d.kind === 'orphan-handle');
    if (!planted?.gfid) throw new Error(`${FIXTURE} records no orphan-handle damage`);
    const brick = fixture.bricks[planted.brick]!;
    const orphan = { brick, gfid: planted.gfid, sha256: sha256File(join(brick, handleRelPath(planted.gfid))) };
    const adoptDir = join(fixture.dir, 'adopted');
    const journal = join(fixture.dir, 'repair.journal');
    const repair = gfsck(['rebuild', '--handles', '--apply', '--adopt', adoptDir, '--journal', journal, '--volinfo', fixture.volinfoDir, ...fixture.bricks]);
    return { fixture, repair, adoptDir, journal, orphan };
  } catch (e) {
    fixture.cleanup();
    throw e;
  }
}
