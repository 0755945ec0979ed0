/**
 * GF(2^8) arithmetic as GlusterFS disperse uses it: reduction polynomial 0x11D, generator 2
 * (spec §1). Log/antilog tables make every product two lookups; the codec only multiplies
 * while building matrices and XOR programs, never per byte of data.
 */

export const GF_POLYNOMIAL = 0x11d;
/** Order of the multiplicative group: 2 is primitive, so 2^255 = 1. */
const GROUP_ORDER = 255;

/** EXP[n] = 2^n, stored twice over so that EXP[log a + log b] needs no modulo. */
const EXP = new Uint8Array(2 * GROUP_ORDER);
/** LOG[a] = n with 2^n = a, for a ≠ 0 (LOG[0] is unused). */
const LOG = new Uint8Array(256);

{
  let value = 1;
  for (let n = 0; n < GROUP_ORDER; n++) {
    EXP[n] = value;
    EXP[n + GROUP_ORDER] = value;
    LOG[value] = n;
    value <<= 1;
    if (value & 0x100) value ^= GF_POLYNOMIAL;
  }
}

function checkElement(a: number): void {
  if (!Number.isInteger(a) || a < 0 || a > 255) throw new RangeError(`not a GF(2^8) element: ${a}`);
}

export function gfMul(a: number, b: number): number {
  checkElement(a);
  checkElement(b);
  return a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]];
}

export function gfDiv(a: number, b: number): number {
  checkElement(a);
  checkElement(b);
  if (b === 0) throw new RangeError('division by zero in GF(2^8)');
  return a === 0 ? 0 : EXP[LOG[a] + GROUP_ORDER - LOG[b]];
}

export function gfInverse(a: number): number {
  return gfDiv(1, a);
}

/** a^n for an integer n ≥ 0, with 0^0 = 1 as the encoding matrix needs (spec §2). */
export function gfPow(a: number, n: number): number {
  checkElement(a);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`exponent must be a non-negative integer: ${n}`);
  if (n === 0) return 1;
  return a === 0 ? 0 : EXP[(LOG[a] * n) % GROUP_ORDER];
}
