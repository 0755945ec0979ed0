/**
 * What every offline heal test proves on a healed fixture (disperse and replicate alike): the
 * plan executed completely, a second plan empty, the healed bricks alone serving the truth
 * (read back with rebuild --out, the others replaced by empty bricks), healed copies no less
 * sparse than their source, and --undo restoring every brick exactly.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractBrickArchive, type ExtractedArchive } from '../../core/archive/brick-archive.ts';
import { RepairJournal } from '../../core/repair/journal.ts';
import { gfsck } from '../support/cli.ts';
import { inspectFindings } from '../support/inspect-run.ts';
import { snapshotDiff, snapshotTree } from '../repair/snapshot.ts';
import type { Truth } from '../cluster/truth.ts';

/** A fixture of testdata/, unpacked with its real xattrs. */
export const fixture = (name: string): ExtractedArchive => extractBrickArchive(fileURLToPath(new URL(`../../testdata/${name}.tar.gz`, import.meta.url)));

export interface Line { type: string; [k: string]: unknown }

/** Runs gfsck --json, its output parsed line by line. */
export function run(args: string[]): { status: number | null; lines: Line[]; stderr: string } {
  const r = gfsck(args);
  return { status: r.status, lines: r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line), stderr: r.stderr };
}

/**
 * Heals a fixture offline and proves it: exit 1 with nothing failed or left, a complete journal,
 * a second plan empty, inspect clean, the truth served by `serveFrom` alone, `stale` bricks no
 * less sparse than a good one, and --undo restoring every brick exactly.
 */
export async function healAndProve(name: string, layout: string, stale: number[], serveFrom: number[], extra: string[] = []): Promise<void> {
  const a = fixture(name);
  const state = mkdtempSync('/var/tmp/gfsck-heal-state-');
  try {
    const truth = JSON.parse(readFileSync(a.truthFile!, 'utf8')) as Truth;
    const before = a.bricks.map(snapshotTree);
    const journal = join(state, 'heal.journal');
    const applied = run(['heal', '--apply', '--json', '--journal', journal, ...extra, '--volinfo', a.volinfo!, ...a.bricks]);
    assert.equal(applied.status, 1, applied.stderr);
    const summary = applied.lines.find((l) => l.type === 'summary')!;
    assert.deepEqual([summary.failed, summary.left, summary.journal], [0, 0, journal]);
    assert.ok((summary.healed as number) > 0);
    const recorded = RepairJournal.open(journal);
    assert.equal(recorded.info().state, 'complete', 'a finished heal says so in its journal');
    recorded.close();

    const again = run(['heal', '--sources', '--json', ...extra, '--volinfo', a.volinfo!, ...a.bricks]);
    assert.equal(again.status, 0, JSON.stringify(again.lines.filter((l) => l.type === 'entry')));
    assert.deepEqual(await inspectFindings(a.bricks, { volinfo: a.volinfo! }), []);
    readBackFrom(a, layout, serveFrom, truth);
    // Sparse stays sparse: a healed fragment holds no more blocks than a source's.
    const source = a.bricks[a.bricks.findIndex((_, i) => !stale.includes(i))]!;
    for (const m of stale) assertNoLessSparse(a.bricks[m]!, source, `#${m}`);

    const undone = run(['heal', '--undo', journal, '--json']);
    assert.equal(undone.status, 0, undone.stderr);
    a.bricks.forEach((b, i) => assert.deepEqual(snapshotDiff(before[i]!, snapshotTree(b)), [], `#${i} is back exactly`));
  } finally {
    a.remove();
    rmSync(state, { recursive: true, force: true });
  }
}

/** Recovers the volume from `keep` bricks only (the others replaced by empty bricks) and compares it with the truth. */
export function readBackFrom(a: ExtractedArchive, layout: string, keep: number[], truth: Truth): void {
  const scratch = mkdtempSync('/var/tmp/gfsck-heal-readback-');
  try {
    const bricks = a.bricks.map((b, i) => {
      if (keep.includes(i)) return b;
      const empty = join(scratch, `empty${i}`);
      mkdirSync(join(empty, '.glusterfs'), { recursive: true });
      return empty;
    });
    const out = join(scratch, 'out');
    const r = gfsck(['rebuild', '--out', out, '--layout', layout, ...bricks]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    for (const e of truth.entries.filter((x) => x.type === 'file')) {
      const file = join(out, e.path);
      assert.ok(existsSync(file), `${e.path} read back`);
      assert.equal(createHash('sha256').update(readFileSync(file)).digest('hex'), e.sha256, `${e.path} from bricks ${keep.join(',')}`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Regular files of a brick's namespace, by path. */
export function files(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, rel))) {
    if (rel === '' && name === '.glusterfs') continue;
    const path = join(rel, name);
    const st = lstatSync(join(root, path));
    if (st.isDirectory()) out.push(...files(root, path));
    else if (st.isFile()) out.push(path);
  }
  return out;
}

/** Every file a healed brick holds takes no more blocks than the same file on `source`. */
export function assertNoLessSparse(healed: string, source: string, label: string): void {
  for (const f of files(healed)) {
    if (!existsSync(join(source, f))) continue;
    assert.ok(lstatSync(join(healed, f)).blocks <= lstatSync(join(source, f)).blocks + 8, `${f} on ${label} is no less sparse than its source`);
  }
}
