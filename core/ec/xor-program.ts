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
 * offset is a multiple of PLANE, which frees the low bit for the tag.
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
 * scratch plane costs one XOR plus a store and reload, and pairs used twice barely pay for that
 * (measured with bench/ec.ts).
 */
const MIN_SHARED_USES = 3;

export interface XorProgram {
  readonly code: Int32Array;
  readonly scratchPlanes: number;
  /** Plane XORs per stripe, sources beyond the first of every step (for benchmarks and tests). */
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
 * MIN_SHARED_USES rows, compute it once into a new scratch signal and substitute it. Pair
 * counts are kept up to date incrementally, so each round costs one scan of the count table.
 */
function shareCommonPairs(rows: number[][], inputPlanes: number): Step[] {
  const capacity = inputPlanes + MAX_SCRATCH_PLANES;
  const together = new Int32Array(capacity * capacity);
  const members = rows.map((row) => new Set(row));
  const bump = (a: number, b: number, delta: number): void => {
    together[a < b ? a * capacity + b : b * capacity + a] += delta;
  };
  for (const row of rows) {
    for (let x = 0; x < row.length; x++) for (let y = x + 1; y < row.length; y++) bump(row[x], row[y], 1);
  }

  const steps: Step[] = [];
  let signals = inputPlanes;
  while (signals < capacity) {
    let best = MIN_SHARED_USES - 1;
    let bestA = -1;
    let bestB = -1;
    for (let a = 0; a < signals; a++) {
      const rowBase = a * capacity;
      for (let b = a + 1; b < signals; b++) {
        if (together[rowBase + b] > best) {
          best = together[rowBase + b];
          bestA = a;
          bestB = b;
        }
      }
    }
    if (bestA < 0) break;
    const shared = signals++;
    steps.push({ target: shared - inputPlanes, sources: [bestA, bestB] });
    for (const row of members) {
      if (!row.has(bestA) || !row.has(bestB)) continue;
      row.delete(bestA);
      row.delete(bestB);
      bump(bestA, bestB, -1);
      for (const other of row) {
        bump(bestA, other, -1);
        bump(bestB, other, -1);
        bump(shared, other, 1);
      }
      row.add(shared);
    }
  }
  members.forEach((row, plane) => steps.push({ target: -1 - plane, sources: [...row] }));
  return steps;
}

function emit(steps: readonly Step[], inputPlanes: number, strides: ChunkStrides): XorProgram {
  const planeOffset = (plane: number, chunkStride: number): number =>
    Math.floor(plane / PLANES_PER_CHUNK) * chunkStride + (plane % PLANES_PER_CHUNK) * PLANE;
  const words: number[] = [];
  let scratchPlanes = 0;
  let xorCount = 0;
  for (const { target, sources } of steps) {
    const inputs = sources.filter((s) => s < inputPlanes).map((s) => planeOffset(s, strides.input));
    const scratch = sources.filter((s) => s >= inputPlanes).map((s) => (s - inputPlanes) * PLANE);
    const targetRef = target >= 0 ? target * PLANE + SCRATCH_TARGET : planeOffset(-1 - target, strides.output);
    if (target >= 0) scratchPlanes = Math.max(scratchPlanes, target + 1);
    words.push(targetRef, inputs.length, scratch.length, ...inputs, ...scratch);
    xorCount += Math.max(0, sources.length - 1);
  }
  return { code: Int32Array.from(words), scratchPlanes, xorCount };
}
