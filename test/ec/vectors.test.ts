/**
 * Byte-exactness against fragments captured from GlusterFS 10.3 (testdata/ec-vectors), in
 * both directions, for both kernels.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, type Codec } from '../../core/ec/codec.ts';
import { degradedVector, fileVectors, kernels, replay, sha256, subsets, vectorContent } from './helpers.ts';

const vectors = fileVectors();

describe('test vector content', () => {
  // 55 single-file vectors; the spec's "56 content vectors" also counts the degraded one.
  it('covers every per-file vector', () => assert.equal(vectors.length, 55));

  for (const vector of vectors) {
    it(`${vector.name}: rebuilt content has the recorded sha256`, () => {
      const content = vectorContent(vector);
      assert.equal(content.length, vector.file.size);
      assert.equal(sha256(content), vector.file.sha256);
      // Where the hex is given too, the operations must reproduce it: this checks replay().
      if (vector.file.content_hex !== undefined) assert.equal(sha256(replay(vector.operations)), vector.file.sha256);
    });
  }
});

for (const kernel of kernels) {
  describe(`GlusterFS 10.3 vectors, ${kernel.name} kernel`, () => {
    // One codec per layout, so its decode programs (495 subsets for 8+4) are compiled once.
    const codecs = new Map<string, Codec>();
    for (const vector of vectors) {
      const { k, r } = vector.volume;
      const layout = `${k}+${r}`;
      const codec = codecs.get(layout) ?? createCodec(k, r, { kernel });
      codecs.set(layout, codec);

      it(`${vector.name}: encode gives the bricks' fragments`, () => {
        const fragments = codec.encode(vectorContent(vector));
        assert.equal(fragments.length, vector.fragments.length);
        for (const expected of vector.fragments) {
          const fragment = fragments[expected.index];
          assert.equal(fragment.length, expected.size, `brick ${expected.index} size`);
          assert.equal(sha256(fragment), expected.sha256, `brick ${expected.index} sha256`);
          if (expected.hex !== undefined) assert.equal(Buffer.from(fragment).toString('hex'), expected.hex);
        }
      });

      it(`${vector.name}: every K-subset of bricks decodes to the file`, () => {
        // The bricks' own bytes where the vector has them, else our encoding (checked above).
        const encoded = codec.encode(vectorContent(vector));
        const fragments = vector.fragments.map((f) => (f.hex !== undefined ? Buffer.from(f.hex, 'hex') : encoded[f.index]));
        for (const present of subsets(codec.n, k)) {
          const available = fragments.map((fragment, brick) => (present.includes(brick) ? fragment : null));
          assert.equal(sha256(codec.reconstruct(available, vector.file.size)), vector.file.sha256, `bricks ${present}`);
        }
        assert.equal(codec.verify(fragments).ok, true);
      });
    }

    describe('2p1_degraded_then_healed', () => {
      const vector = degradedVector();
      const codec = createCodec(vector.volume.k, vector.volume.r, { kernel });
      const [healthy, degraded, healed] = vector.states;
      const bricksOf = (state: typeof healthy): Uint8Array[] => state.bricks.map((b) => Buffer.from(b.fragment_hex, 'hex'));

      it('encodes every state as the bricks hold it, the stale brick as the old content', () => {
        for (const state of vector.states) {
          const current = codec.encode(Buffer.from(state.file.content_hex, 'hex'));
          for (const brick of state.bricks) {
            assert.equal(sha256(current[brick.index]) === brick.fragment_sha256, brick.fragment_equals_encode_of_current_file);
          }
        }
        assert.equal(degraded.stale_fragment_equals_encode_of_old_file, true);
        const old = codec.encode(Buffer.from(healthy.file.content_hex, 'hex'));
        assert.equal(sha256(old[2]), degraded.bricks[2].fragment_sha256);
      });

      it('decodes the new content from the two current bricks and not with the stale one', () => {
        const [b0, b1, stale] = bricksOf(degraded);
        assert.equal(sha256(codec.reconstruct([b0, b1, null], degraded.file.size)), degraded.file.sha256);
        assert.notEqual(sha256(codec.reconstruct([b0, null, stale], degraded.file.size)), degraded.file.sha256);
      });

      it('verify flags the overwritten stripe; with R=1 it cannot tell which brick is stale', () => {
        // 200 bytes at offset 700 of a 2+1 file: stripe 0 (user bytes 0..1023) only.
        assert.deepEqual(codec.verify(bricksOf(degraded)), {
          ok: false,
          stripes: 3,
          redundantFragments: 1,
          badStripes: [{ stripe: 0, suspects: [] }],
        });
        assert.equal(codec.verify(bricksOf(healthy)).ok, true);
        assert.equal(codec.verify(bricksOf(healed)).ok, true);
      });
    });
  });
}
