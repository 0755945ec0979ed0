/**
 * Feeds stripes through a kernel block by block: copy a block of stripes into the kernel's
 * workspace, run the program, copy the results out. Blocks are sized to stay in the CPU's L2
 * cache, and each copy is one large TypedArray.set per buffer, never one per stripe.
 */
import type { StripeJob, XorKernel } from './kernel.ts';
import type { ChunkStrides, XorProgram } from './xor-program.ts';
import { CHUNK_SIZE } from './layout.ts';

/**
 * How one side of a transformation is held by the caller.
 * - `interleaved`: user data, stripe after stripe, chunk c of stripe s at (s·chunks + c)·512.
 * - `separate`: one buffer per fragment, chunk c of stripe s at buffers[c][s·512].
 * A source shorter than the stripes processed reads as zeros past its end (the zero padding of
 * the last stripe); a destination shorter than them keeps only what fits (the cut to size).
 */
export type StripeStreams =
  | { readonly layout: 'interleaved'; readonly chunks: number; readonly buffer: Uint8Array }
  | { readonly layout: 'separate'; readonly buffers: readonly Uint8Array[] };

export type StreamLayout = StripeStreams['layout'];

/** Target size of one side of a block in the workspace (input and output each). */
const BLOCK_BYTES = 256 * 1024;

export class StripeEngine {
  /** Stripes per block; programs are compiled for it, since separate buffers sit this far apart. */
  readonly blockStripes: number;

  constructor(
    readonly kernel: XorKernel,
    /** Most chunks per stripe on either side (N for a codec). */
    private readonly maxChunks: number,
  ) {
    this.blockStripes = Math.max(1, Math.floor(BLOCK_BYTES / (CHUNK_SIZE * maxChunks)));
  }

  /** Chunk strides to compile a program with, for data moving from `input` to `output` layout. */
  strides(input: StreamLayout, output: StreamLayout): ChunkStrides {
    return { input: this.chunkStride(input), output: this.chunkStride(output) };
  }

  run(program: XorProgram, input: StripeStreams, output: StripeStreams, stripes: number): void {
    const regionBytes = this.blockStripes * CHUNK_SIZE * this.maxChunks;
    for (let first = 0; first < stripes; first += this.blockStripes) {
      const count = Math.min(this.blockStripes, stripes - first);
      // Fetched per block: a kernel may move its memory when it grows.
      const workspace = this.kernel.workspace(2 * regionBytes);
      const job: StripeJob = {
        stripes: count,
        input: { offset: 0, stripeStride: this.stripeStride(input) },
        output: { offset: regionBytes, stripeStride: this.stripeStride(output) },
      };
      this.copyIn(input, workspace, first, count);
      this.kernel.run(program, job);
      this.copyOut(workspace.subarray(regionBytes), output, first, count);
    }
  }

  private chunkStride(layout: StreamLayout): number {
    return layout === 'interleaved' ? CHUNK_SIZE : this.blockStripes * CHUNK_SIZE;
  }

  private stripeStride(streams: StripeStreams): number {
    return streams.layout === 'interleaved' ? streams.chunks * CHUNK_SIZE : CHUNK_SIZE;
  }

  private copyIn(streams: StripeStreams, region: Uint8Array, first: number, count: number): void {
    this.forEachSpan(streams, first, count, (buffer, start, length, regionOffset) => {
      const available = buffer.subarray(start, start + length);
      region.set(available, regionOffset);
      region.fill(0, regionOffset + available.length, regionOffset + length);
    });
  }

  private copyOut(region: Uint8Array, streams: StripeStreams, first: number, count: number): void {
    this.forEachSpan(streams, first, count, (buffer, start, length, regionOffset) => {
      const room = Math.min(length, buffer.length - start);
      if (room > 0) buffer.set(region.subarray(regionOffset, regionOffset + room), start);
    });
  }

  /** The contiguous spans of caller memory that hold stripes [first, first+count), with their place in a region. */
  private forEachSpan(
    streams: StripeStreams,
    first: number,
    count: number,
    visit: (buffer: Uint8Array, start: number, length: number, regionOffset: number) => void,
  ): void {
    if (streams.layout === 'interleaved') {
      const stripeBytes = streams.chunks * CHUNK_SIZE;
      visit(streams.buffer, first * stripeBytes, count * stripeBytes, 0);
    } else {
      const stride = this.chunkStride('separate');
      streams.buffers.forEach((buffer, c) => visit(buffer, first * CHUNK_SIZE, count * CHUNK_SIZE, c * stride));
    }
  }
}
