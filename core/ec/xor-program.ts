/**
 * Compiles a coefficient matrix into a straight-line program of 64-byte plane XORs, the form
 * both kernels execute. Kernels know nothing about GF(2^8): they only follow this code.
 *
 * The expansion of a K-column matrix has about 4K terms per output plane (spec §3.4), and many
 * output planes share pairs of input planes. Before emitting code, a greedy common-subexpression
 * pass (Paar's algorithm) computes the most widely shared pairs once into scratch planes, which
 * cuts the XOR count substantially for dense decoding matrices.
 *
 * Code layout (Int32Array), one step after another:
 *   target, inputCount, scratchCount, inputRef × inputCount, scratchRef × scratchCount
 * A step stores the XOR of its sources into its target plane. `target` is a byte offset from
 * the output stripe base, or, when its lowest bit is set, (scratch byte offset | 1). Input refs
 * are byte offsets from the input stripe base, scratch refs byte offsets into scratch. Every
 * offset is a multiple of PLANE, which frees the low bit for the tag. Both kernels keep scratch
 * at offset 0 of their memory, so a scratch ref is also its address.
 */
import { type Matrix, planeTerms } from './matrix.ts';
import { PLANE, PLANES_PER_CHUNK } from './layout.ts';

export const SCRATCH_TARGET = 1;
/** Header words of each step: target, inputCount, scratchCount. */
export const STEP_HEADER = 3;
/** Upper bound on scratch planes, so kernels can reserve scratch once. */
export const MAX_SCRATCH_PLANES = 1024;

/**
 * A shared pair is only worth a scratch plane when it replaces at least this many XORs: the
 * scratch plane costs one XOR plus a store and reloads. Kernel-only runs of 4+2 and 8+4 found
 * 3 and 4 alike, 2 and 5 a little slower.
 */
const MIN_SHARED_USES = 3;

export interface XorProgram {
  readonly code: Int32Array;
  /** Plane XORs per stripe: the sources beyond the first of every step. */
  readonly xorCount: number;
}

/** Bytes between chunk c and chunk c+1 of the same stripe, for the inputs and for the outputs. */
export interface ChunkStrides {
  readonly input: number;
  readonly output: number;
}

interface Step {
  /** Scratch plane index, or -1 - outputPlane for an output plane. */
  readonly target: number;
  /** Signals: 0 .. inputPlanes-1 are input planes, the rest scratch planes in creation order. */
  readonly sources: readonly number[];
}

export function compileXorProgram(matrix: Matrix, strides: ChunkStrides): XorProgram {
  const inputPlanes = (matrix[0]?.length ?? 0) * PLANES_PER_CHUNK;
  const steps = shareCommonPairs(planeTerms(matrix), inputPlanes);
  return emit(steps, inputPlanes, strides);
}

/**
 * Paar's greedy heuristic: while some pair of signals occurs together in at least
 * MIN_SHARED_USES rows, compute it once into a new scratch signal and substitute it.
 */
function shareCommonPairs(rows: number[][], inputPlanes: number): Step[] {
  const counts = new PairCounts(inputPlanes);
  const members = rows.map((row) => new Set(row));
  for (const row of rows) {
    for (let x = 0; x < row.length; x++) for (let y = x + 1; y < row.length; y++) counts.bump(row[x], row[y], 1);
  }
  const steps: Step[] = [];
  const signalLimit = inputPlanes + MAX_SCRATCH_PLANES;
  for (let signals = inputPlanes; signals < signalLimit; signals++) {
    const best = counts.mostCommonPair(signals, MIN_SHARED_USES);
    if (!best) break;
    const [a, b] = best;
    const shared = signals;
    counts.ensureSignals(shared + 1);
    steps.push({ target: shared - inputPlanes, sources: [a, b] });
    for (const row of members) {
      if (!row.has(a) || !row.has(b)) continue;
      row.delete(a);
      row.delete(b);
      counts.bump(a, b, -1);
      for (const other of row) {
        counts.bump(a, other, -1);
        counts.bump(b, other, -1);
        counts.bump(shared, other, 1);
      }
      row.add(shared);
    }
  }
  members.forEach((row, plane) => steps.push({ target: -1 - plane, sources: [...row] }));
  return steps;
}

/**
 * How many rows each pair of signals shares, in a triangular table (pair a<b at a·capacity + b)
 * updated incrementally. Each table row caches its largest count; a row is rescanned only after
 * its best pair lost a use, so finding the most common pair rarely scans the whole table.
 */
class PairCounts {
  private capacity = 0;
  private together = new Int32Array(0);
  private rowBest = new Int32Array(0);
  private rowBestPartner = new Int32Array(0);
  private rowStale = new Uint8Array(0);

  constructor(signals: number) {
    this.ensureSignals(signals);
  }

  /** Makes room for `signals` signals, doubling so that growth costs little overall. */
  ensureSignals(signals: number): void {
    if (signals <= this.capacity) return;
    const old = this.capacity;
    const capacity = Math.max(signals, 2 * old);
    const together = new Int32Array(capacity * capacity);
    for (let a = 0; a < old; a++) together.set(this.together.subarray(a * old, (a + 1) * old), a * capacity);
    const grow = <T extends Int32Array | Uint8Array>(array: T, fresh: T): T => (fresh.set(array), fresh);
    this.rowBest = grow(this.rowBest, new Int32Array(capacity));
    this.rowBestPartner = grow(this.rowBestPartner, new Int32Array(capacity).fill(-1));
    this.rowStale = grow(this.rowStale, new Uint8Array(capacity));
    this.together = together;
    this.capacity = capacity;
  }

  bump(x: number, y: number, delta: number): void {
    const a = Math.min(x, y);
    const b = Math.max(x, y);
    const count = (this.together[a * this.capacity + b] += delta);
    if (delta > 0 && count > this.rowBest[a]) {
      this.rowBest[a] = count;
      this.rowBestPartner[a] = b;
    } else if (delta < 0 && this.rowBestPartner[a] === b) {
      this.rowStale[a] = 1;
    }
  }

  /** The pair among signals 0..signals-1 shared by the most rows, if at least `minimum`. */
  mostCommonPair(signals: number, minimum: number): [number, number] | undefined {
    let bestA = -1;
    for (let a = 0; a < signals; a++) {
      if (this.rowStale[a]) this.rescan(a, signals);
      if (this.rowBest[a] >= minimum && (bestA < 0 || this.rowBest[a] > this.rowBest[bestA])) bestA = a;
    }
    return bestA < 0 ? undefined : [bestA, this.rowBestPartner[bestA]];
  }

  private rescan(a: number, signals: number): void {
    let best = 0;
    let partner = -1;
    for (let b = a + 1; b < signals; b++) {
      const count = this.together[a * this.capacity + b];
      if (count > best) {
        best = count;
        partner = b;
      }
    }
    this.rowBest[a] = best;
    this.rowBestPartner[a] = partner;
    this.rowStale[a] = 0;
  }
}

function emit(steps: readonly Step[], inputPlanes: number, strides: ChunkStrides): XorProgram {
  const planeOffset = (plane: number, chunkStride: number): number =>
    Math.floor(plane / PLANES_PER_CHUNK) * chunkStride + (plane % PLANES_PER_CHUNK) * PLANE;
  const words: number[] = [];
  let xorCount = 0;
  for (const { target, sources } of steps) {
    const inputs = sources.filter((s) => s < inputPlanes).map((s) => planeOffset(s, strides.input));
    const scratch = sources.filter((s) => s >= inputPlanes).map((s) => (s - inputPlanes) * PLANE);
    const targetRef = target >= 0 ? target * PLANE + SCRATCH_TARGET : planeOffset(-1 - target, strides.output);
    words.push(targetRef, inputs.length, scratch.length, ...inputs, ...scratch);
    xorCount += Math.max(0, sources.length - 1);
  }
  return { code: Int32Array.from(words), xorCount };
}
