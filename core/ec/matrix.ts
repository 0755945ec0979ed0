/**
 * Coefficient matrices over GF(2^8) and their expansion to bit-plane XOR terms.
 *
 * Rows are outputs, columns are inputs. For the encoding matrix a row is a brick (fragment
 * index) and a column a data chunk of the stripe (spec §2); for a decoding matrix a row is a
 * data chunk and a column one of the K fragments decoded from, in ascending brick order (§4).
 */
import { gfDiv, gfMul, gfPow } from './gf256.ts';
import { PLANES_PER_CHUNK } from './layout.ts';

export type Matrix = Uint8Array[];

/** M[i][j] = (i+1)^(K-1-j): the non-systematic Vandermonde rows of bricks 0..n-1. */
export function encodingMatrix(k: number, n: number): Matrix {
  return Array.from({ length: n }, (_, i) => Uint8Array.from({ length: k }, (_, j) => gfPow(i + 1, k - 1 - j)));
}

export function selectRows(matrix: Matrix, rows: readonly number[]): Matrix {
  return rows.map((row) => Uint8Array.from(matrix[row]));
}

export function multiplyMatrices(a: Matrix, b: Matrix): Matrix {
  const inner = b.length;
  const columns = b[0]?.length ?? 0;
  return a.map((row) => {
    if (row.length !== inner) throw new RangeError('matrix dimensions do not agree');
    const out = new Uint8Array(columns);
    for (let j = 0; j < columns; j++) {
      let sum = 0;
      for (let t = 0; t < inner; t++) sum ^= gfMul(row[t], b[t][j]);
      out[j] = sum;
    }
    return out;
  });
}

/** Inverse of a square matrix by Gauss–Jordan elimination; throws when it is singular. */
export function invertMatrix(matrix: Matrix): Matrix {
  const size = matrix.length;
  const work = matrix.map((row) => {
    if (row.length !== size) throw new RangeError('only square matrices have an inverse');
    return Uint8Array.from(row);
  });
  const inverse = Array.from({ length: size }, (_, i) => {
    const row = new Uint8Array(size);
    row[i] = 1;
    return row;
  });
  for (let col = 0; col < size; col++) {
    const pivot = work.findIndex((row, r) => r >= col && row[col] !== 0);
    if (pivot < 0) throw new Error('matrix is singular');
    [work[col], work[pivot]] = [work[pivot], work[col]];
    [inverse[col], inverse[pivot]] = [inverse[pivot], inverse[col]];
    const scale = gfDiv(1, work[col][col]);
    scaleRow(work[col], scale);
    scaleRow(inverse[col], scale);
    for (let r = 0; r < size; r++) {
      const factor = work[r][col];
      if (r === col || factor === 0) continue;
      addScaledRow(work[r], work[col], factor);
      addScaledRow(inverse[r], inverse[col], factor);
    }
  }
  return inverse;
}

function scaleRow(row: Uint8Array, factor: number): void {
  for (let i = 0; i < row.length; i++) row[i] = gfMul(row[i], factor);
}

function addScaledRow(target: Uint8Array, source: Uint8Array, factor: number): void {
  for (let i = 0; i < target.length; i++) target[i] ^= gfMul(source[i], factor);
}

/**
 * D = A^-1 where A holds the encoding rows of the K bricks in `present` (ascending, spec §4):
 * data chunk j = Σ_m D[j][m] · fragment present[m].
 */
export function decodingMatrix(k: number, present: readonly number[]): Matrix {
  const n = Math.max(...present) + 1;
  return invertMatrix(selectRows(encodingMatrix(k, n), present));
}

/**
 * Multiplying a 512-byte chunk by a constant c mixes its 8 bit planes (spec §3.4):
 * out_plane[b] ^= in_plane[p] whenever bit b of c·2^p is set. Expanding every coefficient
 * that way turns the whole matrix into a 0/1 matrix over planes: entry (8·o + b, 8·i + p)
 * says whether output o's plane b takes input i's plane p.
 *
 * Returns, per output plane 8·o + b, the input planes 8·i + p it is the XOR of.
 */
export function planeTerms(matrix: Matrix): number[][] {
  const terms: number[][] = [];
  for (const row of matrix) {
    const rowTerms = Array.from({ length: PLANES_PER_CHUNK }, (): number[] => []);
    row.forEach((coefficient, input) => {
      for (let p = 0; p < PLANES_PER_CHUNK; p++) {
        const image = gfMul(coefficient, 1 << p);
        for (let b = 0; b < PLANES_PER_CHUNK; b++) {
          if ((image >> b) & 1) rowTerms[b].push(input * PLANES_PER_CHUNK + p);
        }
      }
    });
    terms.push(...rowTerms);
  }
  return terms;
}
