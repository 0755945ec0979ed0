/**
 * EcWorkerPool gives the same bytes as the single-thread codec, with plain and shared buffers.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { codecFor } from '../../core/ec/codec.ts';
import { EcWorkerPool, PARALLEL_MIN_BYTES, allocateShared } from '../../core/ec/parallel.ts';

const pool = new EcWorkerPool(2);
after(() => pool.close());

/** Just over the parallel threshold and not a whole number of stripes, so the tail is cut. */
const data = new Uint8Array(PARALLEL_MIN_BYTES + 12_345).map((_, i) => Math.imul(i, 2654435761) >>> 24);
const codec = codecFor(4, 2);
const fragments = codec.encode(data);
const present = [1, 3, 4, 5];

const shared = (bytes: Uint8Array): Uint8Array => {
  const copy = allocateShared(bytes.length);
  copy.set(bytes);
  return copy;
};

describe('EcWorkerPool', () => {
  it('decodes plain buffers across workers', async () => {
    const out = new Uint8Array(data.length);
    await pool.decodeStripes(4, 2, present, present.map((brick) => fragments[brick]), out);
    assert.ok(Buffer.from(out).equals(data));
  });

  it('decodes shared buffers in place', async () => {
    const out = allocateShared(data.length);
    await pool.decodeStripes(4, 2, present, present.map((brick) => shared(fragments[brick])), out);
    assert.ok(Buffer.from(out).equals(data));
  });

  it('encodes across workers', async () => {
    const plain = fragments.map((f) => new Uint8Array(f.length));
    await pool.encodeStripes(4, 2, data, plain);
    const inShared = fragments.map((f) => allocateShared(f.length));
    await pool.encodeStripes(4, 2, shared(data), inShared);
    fragments.forEach((expected, brick) => {
      assert.ok(Buffer.from(plain[brick]).equals(expected), `brick ${brick}`);
      assert.ok(Buffer.from(inShared[brick]).equals(expected), `shared brick ${brick}`);
    });
  });

  it('runs small jobs on the calling thread', async () => {
    const small = data.subarray(0, 5000);
    const out = new Uint8Array(small.length);
    const smallFragments = codec.encode(small);
    await pool.decodeStripes(4, 2, present, present.map((brick) => smallFragments[brick]), out);
    assert.deepEqual(out, small);
  });

  it('refuses user data that does not fit in the fragments', async () => {
    const out = new Uint8Array(fragments[0].length * 4 + 1);
    await assert.rejects(pool.decodeStripes(4, 2, present, present.map((brick) => fragments[brick]), out), RangeError);
  });

  it('reports a worker-side error as a rejection', async () => {
    const out = new Uint8Array(data.length);
    await assert.rejects(pool.decodeStripes(4, 2, [1, 1, 4, 5], present.map((brick) => fragments[brick]), out), /distinct/);
  });
});
