/**
 * File content, streamed from the bricks into a sparse output file in bounded blocks:
 *   EC       positional reads of whole stripes from the chosen fragments, verified against
 *            each other when more than K are read, decoded, cut to the file size;
 *   replica  a plain copy of the chosen brick file.
 * The next block is read while the current one is decoded and written. All-zero 4 KiB
 * blocks are not written, so holes (and whole zero stripes) stay holes.
 */
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { codecFor, type Codec } from '../ec/codec.ts';
import { CHUNK_SIZE, stripeSize } from '../ec/layout.ts';
import { EcWorkerPool, PARALLEL_MIN_BYTES, allocateShared } from '../ec/parallel.ts';
import { DirectReader, allocateAligned } from '../fs/direct.ts';
import { EntryError } from './output.ts';
import type { EcPlan } from './ec-plan.ts';
import { brickLabel, type BrickCopy, type VolumeShape } from '../volume/copies.ts';

/** User bytes decoded per block: large enough to split over worker threads, small enough to bound memory. */
const BLOCK_BYTES = 16 * 1024 * 1024;
/**
 * Files from this size on are decoded on worker threads. Below it one thread wins: starting
 * the workers costs about 0.7 s (each loads the codec), while one core decodes 4+2 at about
 * 2.7 GB/s and 8+4 at 1.1 GB/s, faster than the disks the fragments come from; the reads
 * and writes already run on other threads meanwhile.
 */
const PARALLEL_FILE_BYTES = 2 * 1024 * 1024 * 1024;
const HOLE_GRANULE = 4096;
const ZEROS = new Uint8Array(HOLE_GRANULE);

/** Where decoded blocks go, at their offsets in the file. */
export interface BlockSink {
  write(position: number, data: Uint8Array): Promise<void>;
}

/** Writes blocks at their offsets, leaving all-zero granules as holes; `finish` sets the length. */
export class SparseWriter implements BlockSink {
  constructor(private readonly handle: FileHandle) {}

  async write(position: number, data: Uint8Array): Promise<void> {
    let runStart = -1;
    // Granules are aligned to file offsets, so a hole covers whole filesystem blocks.
    let at = 0;
    while (at < data.length) {
      const end = Math.min(data.length, at + HOLE_GRANULE - ((position + at) % HOLE_GRANULE));
      const zero = Buffer.compare(data.subarray(at, end), ZEROS.subarray(0, end - at)) === 0;
      if (!zero && runStart < 0) runStart = at;
      if (zero && runStart >= 0) {
        await this.writeAll(position + runStart, data.subarray(runStart, at));
        runStart = -1;
      }
      at = end;
    }
    if (runStart >= 0) await this.writeAll(position + runStart, data.subarray(runStart));
  }

  async finish(length: number): Promise<void> {
    await this.handle.truncate(length);
  }

  private async writeAll(position: number, data: Uint8Array): Promise<void> {
    for (let done = 0; done < data.length; ) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, position + done);
      done += bytesWritten;
    }
  }
}

export interface StreamContext {
  /** The worker pool, created on first use by a block large enough to split. */
  pool(): EcWorkerPool;
  onBytes(bytes: number): void;
}

/** What a stream learnt about the fragments while reading them. */
export interface StreamOutcome {
  /** Bricks found rotten and left out from the first bad stripe on, with how many stripes were bad. */
  rotten: Map<number, { stripes: number; firstOffset: number }>;
  /** Stripes where the fragments disagree and nothing tells which brick is wrong. */
  undecidable: number[];
  notes: string[];
}

/** Opens a brick file read-only (no atime update, no symlink) and checks it is still the scanned inode. */
async function openBrickFile(copy: BrickCopy): Promise<DirectReader> {
  let handle: DirectReader;
  try {
    handle = await DirectReader.open(copy.file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NOATIME);
  } catch (e) {
    throw new EntryError(`${brickLabel(copy.brick)}: cannot open ${copy.file.toString('latin1')}: ${(e as NodeJS.ErrnoException).code}`);
  }
  const st = await handle.handle.stat({ bigint: true });
  if (st.ino !== copy.inode) {
    await handle.close();
    throw new EntryError(`${brickLabel(copy.brick)}: ${copy.file.toString('latin1')} changed since it was read (another inode)`);
  }
  return handle;
}

async function readFully(handle: DirectReader, copy: BrickCopy, into: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < into.length; ) {
    const bytesRead = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) {
      throw new EntryError(`${brickLabel(copy.brick)}: ${copy.file.toString('latin1')} ends at byte ${position + done}, ${position + into.length} needed (truncated while reading?)`);
    }
    done += bytesRead;
  }
}

async function withHandles<T>(copies: BrickCopy[], fn: (handles: DirectReader[]) => Promise<T>): Promise<T> {
  const opened = await Promise.allSettled(copies.map(openBrickFile));
  const handles = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  try {
    const failed = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
    return await fn(handles);
  } finally {
    await Promise.all(handles.map((h) => h.close()));
  }
}

/** Decodes an EC file into `writer` at `base`, `plan.size` bytes. */
export async function streamEc(plan: EcPlan, shape: VolumeShape, writer: BlockSink, base: number, ctx: StreamContext): Promise<StreamOutcome> {
  const k = shape.layout.setSize - shape.layout.redundancy;
  const r = shape.layout.redundancy;
  const codec = codecFor(k, r);
  const outcome: StreamOutcome = { rotten: new Map(), undecidable: [], notes: [] };
  if (plan.size === 0) return outcome;
  const stripesPerBlock = Math.max(1, Math.floor(BLOCK_BYTES / stripeSize(k)));
  const blockStripes = Math.min(stripesPerBlock, plan.stripes);
  let parallel = plan.size >= PARALLEL_FILE_BYTES && blockStripes * stripeSize(k) >= PARALLEL_MIN_BYTES;
  // Shared memory lets the worker threads decode straight from the read buffers.
  const allocate = (bytes: number) => (parallel ? allocateShared(bytes) : allocateAligned(bytes));
  const buffers = [0, 1].map(() => plan.sources.map(() => allocate(blockStripes * CHUNK_SIZE)));
  // Two of each: block n+1 is read and block n-1 written while block n is decoded.
  const outs = [0, 1].map(() => allocate(blockStripes * stripeSize(k)));
  const writes: Array<Promise<void> | null> = [null, null];
  const active = plan.sources.map((_, i) => i);

  return withHandles(plan.sources, async (handles) => {
    const read = async (first: number, slot: number): Promise<Uint8Array[]> => {
      const count = Math.min(stripesPerBlock, plan.stripes - first);
      const views = buffers[slot]!.map((b) => b.subarray(0, count * CHUNK_SIZE));
      await Promise.all(active.map((i) => readFully(handles[i]!, plan.sources[i]!, views[i]!, first * CHUNK_SIZE)));
      return views;
    };
    let pending: Promise<Uint8Array[]> | null = read(0, 0);
    for (let first = 0, slot = 0; pending; first += stripesPerBlock, slot ^= 1) {
      const views = await pending;
      const next = first + stripesPerBlock;
      pending = next < plan.stripes ? read(next, slot ^ 1) : null;
      // A failed prefetch is reported when it is awaited, not as an unhandled rejection.
      pending?.catch(() => undefined);
      if (active.length > k) checkBlock(codec, plan, views, active, first, outcome);
      const present = active.slice(0, k);
      const userStart = first * stripeSize(k);
      await writes[slot];
      const target = outs[slot]!.subarray(0, Math.min(views[0]!.length / CHUNK_SIZE * stripeSize(k), plan.size - userStart));
      const members = present.map((i) => plan.sources[i]!.member);
      const fragments = present.map((i) => views[i]!);
      if (parallel) {
        try {
          await ctx.pool().decodeStripes(k, r, members, fragments, target);
        } catch (e) {
          // Worker threads are a speed-up, not a requirement: finish on this thread, and say so.
          parallel = false;
          outcome.notes.push(`worker threads failed (${(e as Error).message}); decoded on the main thread`);
          codec.decodeStripes(members, fragments, target);
        }
      } else {
        codec.decodeStripes(members, fragments, target);
      }
      writes[slot] = writer.write(base + userStart, target).then(() => ctx.onBytes(target.length));
      // A failed write is reported when it is awaited, not as an unhandled rejection.
      writes[slot]!.catch(() => undefined);
    }
    await Promise.all(writes);
    return outcome;
  });
}

/**
 * Verifies one block of more than K fragments. A fragment that verify singles out is dropped
 * (for the rest of the file) and the block checked again; stripes where the disagreement
 * cannot be pinned on one brick are recorded and decoded from the lowest K as they are.
 */
function checkBlock(codec: Codec, plan: EcPlan, views: Uint8Array[], active: number[], first: number, outcome: StreamOutcome): void {
  for (;;) {
    const set: Array<Uint8Array | null> = new Array(codec.n).fill(null);
    for (const i of active) set[plan.sources[i]!.member] = views[i]!;
    const result = codec.verify(set);
    if (result.ok) return;
    const blamed = new Map<number, number[]>();
    const unexplained: number[] = [];
    for (const bad of result.badStripes) {
      if (bad.suspects.length === 1) blamed.set(bad.suspects[0]!, [...(blamed.get(bad.suspects[0]!) ?? []), bad.stripe]);
      else unexplained.push(first + bad.stripe);
    }
    if (blamed.size === 0) {
      outcome.undecidable.push(...unexplained);
      return;
    }
    for (const [member, stripes] of blamed) {
      const index = active.findIndex((i) => plan.sources[i]!.member === member);
      const brick = plan.sources[active[index]!]!.brick;
      active.splice(index, 1);
      outcome.rotten.set(brick, { stripes: stripes.length, firstOffset: (first + stripes[0]!) * CHUNK_SIZE });
    }
    if (active.length <= codec.k) {
      outcome.undecidable.push(...unexplained);
      return;
    }
  }
}

/** Copies a replica (or a distribute brick's file) into `writer` at `base`: `length` bytes. */
export async function streamCopy(source: BrickCopy, length: number, writer: SparseWriter, base: number, ctx: StreamContext): Promise<void> {
  if (length === 0) return;
  const block = new Uint8Array(Math.min(BLOCK_BYTES, length));
  await withHandles([source], async ([handle]) => {
    for (let at = 0; at < length; at += block.length) {
      const view = block.subarray(0, Math.min(block.length, length - at));
      await readFully(handle!, source, view, at);
      await writer.write(base + at, view);
      ctx.onBytes(view.length);
    }
  });
}
