/**
 * Property tests over random layouts (K 2..16), sizes (0..70 000 bytes) and brick subsets,
 * for both kernels, against a reference encoder written straight from spec §3.5.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gfMul, gfPow } from '../../core/ec/gf256.ts';
import { CHUNK_SIZE, PLANE, createCodec, fragmentLength, stripeSize } from '../../core/ec/codec.ts';
import { kernels } from './helpers.ts';

const NUM_RUNS = 20;

/** Spec §3.5 pseudocode, byte loop and all: slow, obviously right, shares no code with the codec. */
function referenceEncode(data: Uint8Array, k: number, n: number): Uint8Array[] {
  const stripes = Math.ceil(data.length / (CHUNK_SIZE * k));
  const padded = new Uint8Array(stripes * CHUNK_SIZE * k);
  padded.set(data);
  const fragments = Array.from({ length: n }, () => new Uint8Array(stripes * CHUNK_SIZE));
  for (let s = 0; s < stripes; s++) {
    for (let j = 0; j < k; j++) {
      const chunk = (s * k + j) * CHUNK_SIZE;
      for (let i = 0; i < n; i++) {
        const c = gfPow(i + 1, k - 1 - j);
        for (let p = 0; p < 8; p++) {
          const m = gfMul(c, 1 << p);
          for (let b = 0; b < 8; b++) {
            if (!((m >> b) & 1)) continue;
            for (let o = 0; o < PLANE; o++) fragments[i][s * CHUNK_SIZE + b * PLANE + o] ^= padded[chunk + p * PLANE + o];
          }
        }
      }
    }
  }
  return fragments;
}

/** Deterministic bytes from a seed (xorshift32): fast-check picks the seed, not 70 000 bytes. */
function bytesFromSeed(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x;
  }
  return out;
}

interface Scenario {
  k: number;
  r: number;
  data: Uint8Array;
  /** K distinct bricks to decode from, in random order. */
  present: number[];
}

const scenario = (maxK = 16, maxSize = 70_000): fc.Arbitrary<Scenario> =>
  fc
    .integer({ min: 2, max: maxK })
    .chain((k) => fc.tuple(fc.constant(k), fc.integer({ min: 1, max: k - 1 })))
    .chain(([k, r]) =>
      fc.record({
        k: fc.constant(k),
        r: fc.constant(r),
        data: fc.tuple(fc.integer(), fc.integer({ min: 0, max: maxSize })).map(([seed, size]) => bytesFromSeed(seed, size)),
        present: fc.shuffledSubarray([...Array(k + r).keys()], { minLength: k, maxLength: k }),
      }),
    );

const cut = (buffer: Uint8Array, parts: number[]): Uint8Array[] => {
  const bounds = [0, ...parts.sort((a, b) => a - b), buffer.length];
  return bounds.slice(1).map((end, i) => buffer.subarray(bounds[i], end));
};

for (const kernel of kernels) {
  describe(`codec properties, ${kernel.name} kernel`, () => {
    it('encode equals the spec pseudocode', () => {
      fc.assert(
        fc.property(scenario(), ({ k, r, data }) => {
          const fragments = createCodec(k, r, { kernel }).encode(data);
          assert.deepEqual(fragments, referenceEncode(data, k, k + r));
          assert.ok(fragments.every((f) => f.length === fragmentLength(data.length, k)));
        }),
        { numRuns: NUM_RUNS },
      );
    });

    it('any K fragments, in any order, give the data back', () => {
      fc.assert(
        fc.property(scenario(), ({ k, r, data, present }) => {
          const codec = createCodec(k, r, { kernel });
          const fragments = codec.encode(data);
          const sparse = fragments.map((f, brick) => (present.includes(brick) ? f : null));
          assert.deepEqual(codec.reconstruct(sparse, data.length), data);
          const out = new Uint8Array(data.length);
          codec.decodeStripes(present, present.map((brick) => fragments[brick]), out);
          assert.deepEqual(out, data);
        }),
        { numRuns: NUM_RUNS },
      );
    });

    it('streaming encode/decode/repair over arbitrary stripe ranges equals the whole', () => {
      fc.assert(
        fc.property(scenario(8, 40_000), fc.array(fc.nat(), { maxLength: 4 }), ({ k, r, data, present }, splits) => {
          const codec = createCodec(k, r, { kernel });
          const whole = codec.encode(data);
          const stripes = whole[0].length / CHUNK_SIZE;
          const ranges = cut(new Uint8Array(stripes), splits.map((s) => s % (stripes + 1))).map((span) => [
            span.byteOffset,
            span.byteOffset + span.length,
          ]);
          const missing = [...Array(codec.n).keys()].filter((brick) => !present.includes(brick));
          const padded = new Uint8Array(stripes * stripeSize(k));
          padded.set(data);
          const encoded = whole.map((f) => new Uint8Array(f.length));
          const decoded = new Uint8Array(data.length);
          const repaired = missing.map(() => new Uint8Array(whole[0].length));
          for (const [first, end] of ranges) {
            const fragmentSpan = (f: Uint8Array): Uint8Array => f.subarray(first * CHUNK_SIZE, end * CHUNK_SIZE);
            const userSpan = (d: Uint8Array): Uint8Array => d.subarray(first * stripeSize(k), end * stripeSize(k));
            codec.encodeStripes(userSpan(padded), encoded.map(fragmentSpan));
            const sources = present.map((brick) => fragmentSpan(whole[brick]));
            codec.decodeStripes(present, sources, userSpan(decoded));
            codec.repairStripes(present, sources, missing, repaired.map(fragmentSpan));
          }
          assert.deepEqual(encoded, whole);
          assert.deepEqual(decoded, data);
          assert.deepEqual(repaired, missing.map((brick) => whole[brick]));
        }),
        { numRuns: NUM_RUNS },
      );
    });

    // K ≤ 10 here: naming a suspect compiles one program per present brick, and larger
    // layouts only make the run slower without covering anything new.
    it('verify passes agreeing fragments and names a single corrupted one when R ≥ 2', () => {
      fc.assert(
        fc.property(scenario(10, 30_000), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), ({ k, r, data, present }, which, where, flip) => {
          const codec = createCodec(k, r, { kernel });
          const fragments = codec.encode(data);
          const stripes = fragments[0].length / CHUNK_SIZE;
          // Drop up to R-2 bricks that are not among `present`, so the rest stays ≥ K+2 when R ≥ 2.
          const droppable = [...Array(codec.n).keys()].filter((brick) => !present.includes(brick)).slice(0, Math.max(0, r - 2));
          const held = fragments.map((f, brick) => (droppable.includes(brick) ? null : f));
          assert.deepEqual(codec.verify(held), { ok: true, stripes, redundantFragments: r - droppable.length, badStripes: [] });
          if (stripes === 0) return;
          const heldBricks = [...held.keys()].filter((brick) => held[brick]);
          const victim = heldBricks[which % heldBricks.length];
          const offset = where % fragments[victim].length;
          const corrupted = held.map((f, brick) => (brick === victim ? Uint8Array.from(f!) : f));
          corrupted[victim]![offset] ^= flip;
          const result = codec.verify(corrupted);
          const expectedSuspects = heldBricks.length >= k + 2 ? [victim] : [];
          assert.deepEqual(result.badStripes, [{ stripe: Math.floor(offset / CHUNK_SIZE), suspects: expectedSuspects }]);
          assert.equal(result.ok, false);
        }),
        { numRuns: NUM_RUNS },
      );
    });
  });
}

describe('verify edge cases', () => {
  const codec = createCodec(4, 2);
  const data = bytesFromSeed(7, 10_000);

  it('with only K fragments there is nothing to check', () => {
    const fragments = codec.encode(data);
    assert.deepEqual(codec.verify([fragments[0], null, fragments[2], fragments[3], fragments[4]]), {
      ok: true,
      stripes: fragments[0].length / CHUNK_SIZE,
      redundantFragments: 0,
      badStripes: [],
    });
  });

  it('two corrupted fragments in a stripe are found but not named', () => {
    const fragments = codec.encode(data);
    fragments[1][600] ^= 1;
    fragments[4][700] ^= 2;
    assert.deepEqual(codec.verify(fragments).badStripes, [{ stripe: 1, suspects: [] }]);
  });

  it('a whole stale fragment is named in every stripe', () => {
    const fragments = codec.encode(data);
    const stale = codec.encode(bytesFromSeed(8, 10_000));
    const result = codec.verify(fragments.map((f, brick) => (brick === 3 ? stale[3] : f)));
    assert.equal(result.badStripes.length, result.stripes);
    assert.ok(result.badStripes.every(({ suspects }) => suspects.length === 1 && suspects[0] === 3));
  });

  it('refuses fewer than K fragments and unequal lengths', () => {
    const fragments = codec.encode(data);
    assert.throws(() => codec.verify([fragments[0], null, null, fragments[3], fragments[4]]), /at least K=4/);
    assert.throws(() => codec.verify([...fragments.slice(0, 5), fragments[5].subarray(512)]), /differ in length/);
    assert.throws(() => codec.reconstruct(fragments, data.length + 5000), RangeError);
  });
});
