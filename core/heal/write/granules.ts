/**
 * One block of a file rewritten to new content, in 4 KiB granules, each written only where
 * it differs: a zero granule over old data becomes a hole, over a hole stays one, so a
 * sparse file stays sparse. Shared by the EC fragment rewrite and the replica copy.
 */
import type { RangeWrite } from '../../repair/journal.ts';
import { readRange, sizeOf } from '../../fs/ranges.ts';
import { native } from '../../fs/native.ts';

export interface RewriteOutcome { bytesWritten: number; bytesPunched: number; bytesUnchanged: number }
export interface Punch { path: Buffer; offset: number; length: number }

const GRANULE = 4096;
const ZERO = Buffer.alloc(GRANULE);

/** The writes and punches that make `wanted` the sink's content at `at` (read from the open sink `fd`). */
export function diffSinkBlock(fd: number, path: Buffer, wanted: Buffer, at: number, writes: RangeWrite[], punches: Punch[], outcome: RewriteOutcome): void {
  const current = readRange(fd, at, Math.max(0, Math.min(wanted.length, sizeOf(fd) - at)));
  const allocated = current.length > 0 ? native.dataExtents(fd, at, current.length) : [];
  diffGranules(wanted, current, allocated, at, path, writes, punches, outcome);
}

/** Whether [start, end) overlaps none of the data extents (flat absolute start/end pairs). */
function isHole(extents: number[], start: number, end: number): boolean {
  for (let i = 0; i + 1 < extents.length; i += 2) if (extents[i]! < end && extents[i + 1]! > start) return false;
  return true;
}

/**
 * Sorts one block of a sink into runs: granules to write (they differ), granules to punch
 * (the new content is zero, the old is allocated: zero bytes written out count too, or a
 * sink written without holes would stay filled), and granules already right. `current` is
 * shorter than `wanted` where the sink ends early: those bytes read as zeros (a hole).
 */
function diffGranules(wanted: Buffer, current: Buffer, allocated: number[], base: number, path: Buffer, writes: RangeWrite[], punches: Punch[], outcome: RewriteOutcome): void {
  let run: { kind: 'write' | 'punch'; start: number } | null = null;
  const close = (end: number) => {
    if (!run) return;
    if (run.kind === 'write') {
      writes.push({ path, offset: base + run.start, data: wanted.subarray(run.start, end) });
      outcome.bytesWritten += end - run.start;
    } else {
      punches.push({ path, offset: base + run.start, length: end - run.start });
      outcome.bytesPunched += end - run.start;
    }
    run = null;
  };
  for (let at = 0; at < wanted.length; at += GRANULE) {
    const end = Math.min(wanted.length, at + GRANULE);
    const want = wanted.subarray(at, end);
    const have = current.subarray(Math.min(at, current.length), Math.min(end, current.length));
    const wantZero = want.equals(ZERO.subarray(0, want.length));
    const haveHole = have.length === 0 || isHole(allocated, base + at, base + at + have.length);
    const kind = wantZero ? (haveHole ? null : 'punch') : have.length === want.length && have.equals(want) ? null : 'write';
    if (kind === null) outcome.bytesUnchanged += end - at;
    if (run && run.kind !== kind) close(at);
    if (kind && !run) run = { kind, start: at };
  }
  close(wanted.length);
}
