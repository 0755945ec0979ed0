/**
 * The examples and tables of the EC format (docs/ec.md): field (§1), matrix (§2), plane mixing
 * (§3.4), inverses (§4), sizes (§5.2), the worked example (§7), and parameter checks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gfDiv, gfInverse, gfMul, gfPow } from '../../core/ec/gf256.ts';
import { decodingMatrix, encodingMatrix, invertMatrix, multiplyMatrices, planeTerms } from '../../core/ec/matrix.ts';
import { CHUNK_SIZE, PLANE, createCodec, fragmentLength } from '../../core/ec/codec.ts';
import { compileXorProgram } from '../../core/ec/xor-program.ts';
import { kernels } from './helpers.ts';

const hex = (rows: Uint8Array[]): string[][] => rows.map((row) => [...row].map((v) => v.toString(16).padStart(2, '0')));
const parseRows = (text: string): string[][] => [...text.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1].trim().split(/\s+/));

/** Shift-and-add multiply, independent of the log tables. */
function slowMul(a: number, b: number): number {
  let product = 0;
  for (; b; b >>= 1) {
    if (b & 1) product ^= a;
    a <<= 1;
    if (a & 0x100) a ^= 0x11d;
  }
  return product;
}

describe('§1 Galois field', () => {
  it('antilog table starts as published', () => {
    const published = '01 02 04 08 10 20 40 80 1d 3a 74 e8 cd 87 13 26 4c 98 2d 5a';
    assert.equal(Array.from({ length: 20 }, (_, n) => gfPow(2, n).toString(16).padStart(2, '0')).join(' '), published);
  });

  it('worked products and quotients', () => {
    assert.equal(gfMul(0x80, 2), 0x1d);
    assert.equal(gfMul(0x57, 0x13), 0xe0);
    assert.equal(gfInverse(2), 0x8e);
    assert.equal(gfInverse(3), 0xf4);
    assert.equal(gfDiv(1, 3), 0xf4);
  });

  it('table multiply equals shift-and-add for all pairs; division undoes it', () => {
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        const product = gfMul(a, b);
        if (product !== slowMul(a, b)) assert.fail(`${a}·${b}`);
        if (b !== 0 && gfDiv(product, b) !== a) assert.fail(`${a}·${b}/${b}`);
      }
    }
  });

  it('2 has order 255; 0^0 = 1', () => {
    assert.equal(gfPow(2, 255), 1);
    assert.ok(Array.from({ length: 254 }, (_, n) => gfPow(2, n + 1)).every((v) => v !== 1));
    assert.equal(gfPow(0, 0), 1);
    assert.equal(gfPow(0, 3), 0);
  });

  it('rejects what is not a field element', () => {
    assert.throws(() => gfMul(256, 1), RangeError);
    assert.throws(() => gfDiv(1, 0), RangeError);
    assert.throws(() => gfPow(2, -1), RangeError);
  });
});

describe('§2 encoding matrix', () => {
  const cases: [number, number, string][] = [
    [2, 3, '[01 01] [02 01] [03 01]'],
    [3, 4, '[01 01 01] [04 02 01] [05 03 01] [10 04 01]'],
    [4, 6, '[01 01 01 01] [08 04 02 01] [0f 05 03 01] [40 10 04 01] [55 11 05 01] [78 14 06 01]'],
  ];
  for (const [k, n, table] of cases) {
    it(`${k}+${n - k}`, () => assert.deepEqual(hex(encodingMatrix(k, n)), parseRows(table)));
  }
  it('8+4 rows 3 and 11', () => {
    const m = hex(encodingMatrix(8, 12));
    assert.deepEqual([m[3], m[11]], parseRows('[13 cd 74 1d 40 10 04 01] [57 bf a9 d0 e7 50 0c 01]'));
  });
});

describe('§3.4 plane mixing', () => {
  // Output plane b lists the input planes p it XORs, as in the spec's examples.
  it('c = 2', () => assert.deepEqual(planeTerms([Uint8Array.of(2)]), [[7], [0], [1, 7], [2, 7], [3, 7], [4], [5], [6]]));
  it('c = 3', () =>
    assert.deepEqual(planeTerms([Uint8Array.of(3)]), [[0, 7], [0, 1], [1, 2, 7], [2, 3, 7], [3, 4, 7], [4, 5], [5, 6], [6, 7]]));
  it('constants: 64-byte planes, 512-byte chunks', () => assert.deepEqual([PLANE, CHUNK_SIZE], [64, 512]));
});

describe('XOR programs', () => {
  it('sharing common pairs cuts the plane XORs of 4+2 decode from 400 to about half', () => {
    const matrix = decodingMatrix(4, [2, 3, 4, 5]);
    const naive = planeTerms(matrix).reduce((sum, terms) => sum + terms.length - 1, 0);
    assert.equal(naive, 400);
    assert.ok(compileXorProgram(matrix, { input: CHUNK_SIZE, output: CHUNK_SIZE }).xorCount < 0.6 * naive);
  });
});

describe('§4 decoding matrices', () => {
  const cases: [number, number[], string][] = [
    [2, [0, 1], '[f4 f4] [f5 f4]'],
    [2, [0, 2], '[8e 8e] [8f 8e]'],
    [2, [1, 2], '[01 01] [03 02]'],
    [4, [2, 3, 4, 5], '[cb 5d dd 4b] [4b 00 dd 96] [a7 8c 03 28] [d2 d5 04 02]'],
  ];
  for (const [k, present, table] of cases) {
    it(`K=${k} from bricks {${present}}`, () => assert.deepEqual(hex(decodingMatrix(k, present)), parseRows(table)));
  }

  it('A · A^-1 = I for every 8+4 subset shape tried', () => {
    const m = encodingMatrix(8, 12);
    for (const present of [[0, 1, 2, 3, 4, 5, 6, 7], [4, 5, 6, 7, 8, 9, 10, 11], [0, 2, 4, 6, 8, 9, 10, 11]]) {
      const product = multiplyMatrices(present.map((row) => m[row]), decodingMatrix(8, present));
      product.forEach((row, i) => row.forEach((v, j) => assert.equal(v, i === j ? 1 : 0)));
    }
  });

  it('a singular matrix is refused', () => {
    assert.throws(() => invertMatrix([Uint8Array.of(1, 2), Uint8Array.of(1, 2)]), /singular/);
  });
});

describe('§5.2 fragment sizes', () => {
  const cases: [number, number, number][] = [
    [2, 0, 0], [2, 1, 512], [2, 1024, 512], [2, 1025, 1024], [2, 2048, 1024], [2, 3000, 1536], [2, 4097, 2560],
    [2, 131079, 66048], [2, 1 << 20, 524288], [4, 1, 512], [4, 2048, 512], [4, 3000, 1024], [4, 4097, 1536],
    [3, 1536, 512], [3, 3000, 1024], [3, 4097, 1536],
  ];
  for (const [k, size, expected] of cases) it(`K=${k}, size ${size}`, () => assert.equal(fragmentLength(size, k), expected));
});

describe('layout parameters', () => {
  for (const [k, r] of [[1, 0], [2, 0], [2, 2], [4, 4], [4, 5], [17, 1], [16, 16], [2.5, 1], [4, 1.5]]) {
    it(`rejects ${k}+${r}`, () => assert.throws(() => createCodec(k, r), RangeError));
  }
  for (const [k, r] of [[2, 1], [16, 15], [16, 1]]) it(`accepts ${k}+${r}`, () => assert.equal(createCodec(k, r).n, k + r));
});

for (const kernel of kernels) {
  describe(`§7 worked example, ${kernel.name} kernel`, () => {
    const data = new Uint8Array(1024);
    data[1] = data[449] = data[513] = 1;
    const codec = createCodec(2, 1, { kernel });
    const nonZero = (fragment: Uint8Array): number[] => [...fragment.keys()].filter((i) => fragment[i] !== 0);

    it('brick files as read from the real volume', () => {
      const fragments = codec.encode(data);
      assert.deepEqual(fragments.map((f) => f.length), [512, 512, 512]);
      assert.deepEqual(nonZero(fragments[0]), [449]);
      assert.deepEqual(nonZero(fragments[1]), [65, 129, 193, 257]);
      assert.deepEqual(nonZero(fragments[2]), [1, 65, 129, 193, 257, 449]);
      assert.ok(fragments.every((f) => nonZero(f).every((i) => f[i] === 1)));
    });

    it('decodes without brick 0', () => {
      const [, b1, b2] = codec.encode(data);
      assert.deepEqual(codec.reconstruct([null, b1, b2]), data);
    });
  });
}
