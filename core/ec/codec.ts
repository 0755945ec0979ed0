/**
 * Public interface of the GlusterFS disperse (EC) codec, byte-exact with GlusterFS 10.3.
 *
 * Layers, bottom up: gf256.ts (field), matrix.ts (coefficient matrices and their bit-plane
 * expansion), xor-program.ts (matrix → plane XOR program), kernel-*.ts (run a program over
 * stripes), stripe-engine.ts (block-wise copy in/run/copy out), this file (what callers use),
 * parallel.ts (the same over worker threads for large buffers).
 *
 * Fragment arrays are indexed by brick index (0..N-1, the order of the bricks in the volume);
 * null or undefined stands for a missing brick.
 */
import { defaultKernel, type KernelName, type XorKernel } from './kernel.ts';
import { decodingMatrix, encodingMatrix, multiplyMatrices, selectRows, type Matrix } from './matrix.ts';
import { StripeEngine, type StreamLayout, type StripeStreams } from './stripe-engine.ts';
import { compileXorProgram, type XorProgram } from './xor-program.ts';
import { CHUNK_SIZE, checkLayout, fragmentLength, stripeSize } from './layout.ts';

export { CHUNK_SIZE, MAX_DATA_FRAGMENTS, PLANE, fragmentLength, stripeCount, stripeSize } from './layout.ts';
export type { KernelName, XorKernel } from './kernel.ts';

export type FragmentSet = readonly (Uint8Array | null | undefined)[];

export interface BadStripe {
  readonly stripe: number;
  /**
   * Bricks whose exclusion makes the stripe consistent: exactly the damaged fragment when one
   * fragment is bad and at least K+2 are present; empty when that cannot be determined.
   */
  readonly suspects: number[];
}

export interface VerifyResult {
  /** True when every stripe of every present fragment agrees (always true with only K present). */
  readonly ok: boolean;
  readonly stripes: number;
  /** Fragments beyond K, each checked against the rest; 0 means nothing could be checked. */
  readonly redundantFragments: number;
  readonly badStripes: BadStripe[];
}

export interface Codec {
  readonly k: number;
  readonly r: number;
  readonly n: number;
  readonly kernel: KernelName;
  /** All N fragments of `data`, which is zero-padded to whole stripes. */
  encode(data: Uint8Array): Uint8Array[];
  /**
   * Streaming encode: fills N equally long fragment buffers (a whole number of chunks each)
   * from the stripes in `data`; data shorter than those stripes reads as zeros past its end.
   */
  encodeStripes(data: Uint8Array, fragments: readonly Uint8Array[]): void;
  /** The file from any K present fragments (the lowest K bricks are used), cut to `size`. */
  reconstruct(fragments: FragmentSet, size?: number): Uint8Array;
  /**
   * Streaming decode: `fragments[m]` holds stripes of brick `present[m]` (K distinct bricks,
   * equal lengths, whole chunks); writes the first `out.length` user bytes of those stripes.
   */
  decodeStripes(present: readonly number[], fragments: readonly Uint8Array[], out: Uint8Array): void;
  /**
   * Streaming heal: computes the fragments of bricks `targets` straight from K present ones,
   * without going through the user data. `outputs[t]` must be as long as the inputs.
   */
  repairStripes(
    present: readonly number[],
    fragments: readonly Uint8Array[],
    targets: readonly number[],
    outputs: readonly Uint8Array[],
  ): void;
  /** Checks that all present fragments agree, stripe by stripe, and names the bad ones when it can. */
  verify(fragments: FragmentSet): VerifyResult;
}

export interface CodecOptions {
  /** Defaults to the thread's shared kernel (SIMD unless GFSCK_EC_KERNEL says otherwise). */
  readonly kernel?: XorKernel;
}

export function createCodec(k: number, r: number, options: CodecOptions = {}): Codec {
  checkLayout(k, r);
  return new ErasureCodec(k, r, options.kernel ?? defaultKernel);
}

const threadCodecs = new Map<string, Codec>();

/**
 * This thread's codec for a layout on the default kernel, created once so that its compiled
 * programs (one per set of source bricks) are reused across calls.
 */
export function codecFor(k: number, r: number): Codec {
  const key = `${k}+${r}`;
  let codec = threadCodecs.get(key);
  if (!codec) {
    codec = createCodec(k, r);
    threadCodecs.set(key, codec);
  }
  return codec;
}

/** Stripes checked per pass of verify: 1 MiB of each fragment. */
const VERIFY_BLOCK_STRIPES = 2048;

class ErasureCodec implements Codec {
  readonly n: number;
  private readonly engine: StripeEngine;
  private readonly programs = new Map<string, XorProgram>();

  constructor(
    readonly k: number,
    readonly r: number,
    kernel: XorKernel,
  ) {
    this.n = k + r;
    this.engine = new StripeEngine(kernel, this.n);
  }

  get kernel(): KernelName {
    return this.engine.kernel.name;
  }

  encode(data: Uint8Array): Uint8Array[] {
    const length = fragmentLength(data.length, this.k);
    const fragments = Array.from({ length: this.n }, () => new Uint8Array(length));
    this.encodeStripes(data, fragments);
    return fragments;
  }

  encodeStripes(data: Uint8Array, fragments: readonly Uint8Array[]): void {
    if (fragments.length !== this.n) throw new RangeError(`encode needs ${this.n} fragment buffers, got ${fragments.length}`);
    const stripes = commonStripeCount(fragments);
    if (data.length > stripes * stripeSize(this.k)) {
      throw new RangeError(`${data.length} bytes of data do not fit in ${stripes} stripes`);
    }
    const program = this.program('encode', 'interleaved', 'separate', () => encodingMatrix(this.k, this.n));
    this.engine.run(program, this.userData(data), { layout: 'separate', buffers: fragments }, stripes);
  }

  reconstruct(fragments: FragmentSet, size?: number): Uint8Array {
    const available = this.availableBricks(fragments);
    const present = available.slice(0, this.k);
    const inputs = present.map((brick) => fragments[brick]!);
    const capacity = commonStripeCount(inputs) * stripeSize(this.k);
    const length = size ?? capacity;
    if (!Number.isSafeInteger(length) || length < 0 || length > capacity) {
      throw new RangeError(`size ${length} does not fit in fragments holding ${capacity} bytes`);
    }
    const out = new Uint8Array(length);
    this.decodeStripes(present, inputs, out);
    return out;
  }

  decodeStripes(present: readonly number[], fragments: readonly Uint8Array[], out: Uint8Array): void {
    this.checkSources(present, fragments);
    const stripes = commonStripeCount(fragments);
    if (out.length > stripes * stripeSize(this.k)) {
      throw new RangeError(`output of ${out.length} bytes is longer than the ${stripes} stripes given`);
    }
    const program = this.program(`decode ${present}`, 'separate', 'interleaved', () => decodingMatrix(this.k, present));
    this.engine.run(program, { layout: 'separate', buffers: fragments }, this.userData(out), stripes);
  }

  repairStripes(
    present: readonly number[],
    fragments: readonly Uint8Array[],
    targets: readonly number[],
    outputs: readonly Uint8Array[],
  ): void {
    this.checkSources(present, fragments);
    this.checkBricks(targets, 'target');
    if (outputs.length !== targets.length) throw new RangeError('repair needs one output buffer per target brick');
    const stripes = commonStripeCount(fragments);
    if (targets.length === 0) return;
    if (commonStripeCount(outputs) !== stripes) throw new RangeError('repair outputs must be as long as the inputs');
    const program = this.program(`repair ${present} > ${targets}`, 'separate', 'separate', () =>
      multiplyMatrices(selectRows(encodingMatrix(this.k, this.n), targets), decodingMatrix(this.k, present)),
    );
    this.engine.run(program, { layout: 'separate', buffers: fragments }, { layout: 'separate', buffers: outputs }, stripes);
  }

  verify(fragments: FragmentSet): VerifyResult {
    const available = this.availableBricks(fragments);
    const stripes = commonStripeCount(available.map((brick) => fragments[brick]!));
    const redundantFragments = available.length - this.k;
    const bad = this.inconsistentStripes(available, fragments, stripes);
    // Leaving one fragment out still has to leave a redundant one to check the rest with.
    const suspects = redundantFragments >= 2 ? this.suspects(available, fragments, bad) : bad.map(() => []);
    return {
      ok: bad.length === 0,
      stripes,
      redundantFragments,
      badStripes: bad.map((stripe, i) => ({ stripe, suspects: suspects[i] })),
    };
  }

  /**
   * Stripes (ascending) where the bricks of `group` disagree: the first K of them predict the
   * others, which are compared with what is there. Costs one encode of the extra fragments.
   */
  private inconsistentStripes(group: readonly number[], fragments: FragmentSet, stripes: number): number[] {
    const base = group.slice(0, this.k);
    const extras = group.slice(this.k);
    const bad: number[] = [];
    if (extras.length === 0) return bad;
    const blockStripes = Math.min(VERIFY_BLOCK_STRIPES, stripes);
    const expected = extras.map(() => new Uint8Array(blockStripes * CHUNK_SIZE));
    for (let first = 0; first < stripes; first += blockStripes) {
      const count = Math.min(blockStripes, stripes - first);
      const span = (buffer: Uint8Array): Uint8Array => buffer.subarray(first * CHUNK_SIZE, (first + count) * CHUNK_SIZE);
      const predicted = expected.map((buffer) => buffer.subarray(0, count * CHUNK_SIZE));
      this.repairStripes(base, base.map((brick) => span(fragments[brick]!)), extras, predicted);
      const actual = extras.map((brick) => span(fragments[brick]!));
      if (actual.every((buffer, e) => sameBytes(buffer, predicted[e]))) continue;
      for (let s = 0; s < count; s++) {
        const chunk = (buffer: Uint8Array): Uint8Array => buffer.subarray(s * CHUNK_SIZE, (s + 1) * CHUNK_SIZE);
        if (!actual.every((buffer, e) => sameBytes(chunk(buffer), chunk(predicted[e])))) bad.push(first + s);
      }
    }
    return bad;
  }

  /**
   * For each bad stripe, the bricks whose exclusion leaves the others consistent. The bad
   * stripes are gathered into compact buffers so each leave-one-out test is a single pass.
   */
  private suspects(available: readonly number[], fragments: FragmentSet, bad: readonly number[]): number[][] {
    const result = bad.map((): number[] => []);
    for (let first = 0; first < bad.length; first += VERIFY_BLOCK_STRIPES) {
      const batch = bad.slice(first, first + VERIFY_BLOCK_STRIPES);
      const gathered: Uint8Array[] = [];
      for (const brick of available) {
        const compact = new Uint8Array(batch.length * CHUNK_SIZE);
        batch.forEach((stripe, i) =>
          compact.set(fragments[brick]!.subarray(stripe * CHUNK_SIZE, (stripe + 1) * CHUNK_SIZE), i * CHUNK_SIZE),
        );
        gathered[brick] = compact;
      }
      for (const excluded of available) {
        const rest = available.filter((brick) => brick !== excluded);
        const stillBad = new Set(this.inconsistentStripes(rest, gathered, batch.length));
        batch.forEach((_, i) => {
          if (!stillBad.has(i)) result[first + i].push(excluded);
        });
      }
    }
    return result;
  }

  private program(key: string, from: StreamLayout, to: StreamLayout, matrix: () => Matrix): XorProgram {
    let program = this.programs.get(key);
    if (!program) {
      program = compileXorProgram(matrix(), this.engine.strides(from, to));
      this.programs.set(key, program);
    }
    return program;
  }

  private userData(buffer: Uint8Array): StripeStreams {
    return { layout: 'interleaved', chunks: this.k, buffer };
  }

  /** Indexes of the present fragments, ascending; throws when fewer than K. */
  private availableBricks(fragments: FragmentSet): number[] {
    if (fragments.length > this.n) throw new RangeError(`${fragments.length} fragments given for ${this.n} bricks`);
    const available = fragments.flatMap((fragment, brick) => (fragment ? [brick] : []));
    if (available.length < this.k) {
      throw new Error(`${available.length} fragments present, at least K=${this.k} are needed`);
    }
    return available;
  }

  private checkSources(present: readonly number[], fragments: readonly Uint8Array[]): void {
    this.checkBricks(present, 'source');
    if (present.length !== this.k) throw new RangeError(`exactly K=${this.k} source bricks are needed, got ${present.length}`);
    if (fragments.length !== present.length) throw new RangeError('one fragment buffer per source brick is needed');
  }

  private checkBricks(bricks: readonly number[], role: string): void {
    for (const brick of bricks) {
      if (!Number.isInteger(brick) || brick < 0 || brick >= this.n) throw new RangeError(`${role} brick ${brick} is not in 0..${this.n - 1}`);
    }
    if (new Set(bricks).size !== bricks.length) throw new RangeError(`${role} bricks must be distinct: ${bricks}`);
  }
}

/** Stripes held by fragment buffers that must all be equally long whole chunks. */
function commonStripeCount(fragments: readonly Uint8Array[]): number {
  const length = fragments[0]?.length ?? 0;
  for (const fragment of fragments) {
    if (fragment.length !== length) throw new RangeError('fragments differ in length');
  }
  if (length % CHUNK_SIZE !== 0) throw new RangeError(`fragment length ${length} is not a multiple of ${CHUNK_SIZE}`);
  return length / CHUNK_SIZE;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}
