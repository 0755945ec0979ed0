/**
 * Fixed geometry of the GlusterFS disperse on-brick format (spec §3.1, §5.2, §8).
 */

/** Bytes in one bit plane (EC_METHOD_WORD_SIZE). */
export const PLANE = 64;
/** Bit planes per chunk: one per bit of a GF(2^8) symbol. */
export const PLANES_PER_CHUNK = 8;
/** Bytes of one fragment chunk, and of one data chunk (EC_METHOD_CHUNK_SIZE). */
export const CHUNK_SIZE = PLANE * PLANES_PER_CHUNK;
/** Largest K that GlusterFS accepts (EC_METHOD_MAX_FRAGMENTS). */
export const MAX_DATA_FRAGMENTS = 16;

/** User bytes per stripe for K data fragments. */
export function stripeSize(k: number): number {
  return CHUNK_SIZE * k;
}

/** Whole stripes needed to hold `size` user bytes. */
export function stripeCount(size: number, k: number): number {
  return Math.ceil(size / stripeSize(k));
}

/** Brick file size for a file of `size` bytes: 512·ceil(size / 512K), 0 for an empty file. */
export function fragmentLength(size: number, k: number): number {
  return CHUNK_SIZE * stripeCount(size, k);
}

/** Why (k, r) is not a layout GlusterFS can create (1 ≤ r < k ≤ 16), or null when it is. */
export function layoutProblem(k: number, r: number): string | null {
  if (!Number.isInteger(k) || k < 2 || k > MAX_DATA_FRAGMENTS) return `EC data fragments K must be an integer in 2..${MAX_DATA_FRAGMENTS}, got ${k}`;
  if (!Number.isInteger(r) || r < 1 || r >= k) return `EC redundancy R must be an integer in 1..K-1 (K=${k}), got ${r}`;
  return null;
}

/** Throws unless (k, r) is a layout GlusterFS can create. */
export function checkLayout(k: number, r: number): void {
  const problem = layoutProblem(k, r);
  if (problem) throw new RangeError(problem);
}
