/**
 * The codec over worker threads, for buffers large enough that splitting pays (≥ 8 MiB of user
 * data). Stripes are cut into one contiguous range per worker; each worker runs an ordinary
 * codec on its range. Buffers over SharedArrayBuffer (see allocateShared) are handed to the
 * workers as they are; others are copied into shared memory first and results copied back, so
 * callers that care about speed read their fragments straight into shared buffers.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { codecFor } from './codec.ts';
import { CHUNK_SIZE, stripeSize } from './layout.ts';
import { runningSources } from '../fs/project.ts';

/**
 * Node 20 resolves a worker's entry file before any loader hook of the worker runs, so a .ts
 * entry fails even under `--import tsx`. Run from the sources, the worker therefore starts
 * from a script that registers tsx and then imports the TypeScript entry; run compiled
 * (dist/), it imports the compiled entry directly. The worker's own flags stay empty, so tsx
 * is registered exactly once whatever this process was started with.
 */
const WORKER_BOOTSTRAP = runningSources
  ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then(({ register }) => { register(); return import(${JSON.stringify(new URL('./parallel-worker.ts', import.meta.url).href)}); });`
  : `import(${JSON.stringify(new URL('./parallel-worker.js', import.meta.url).href)});`;

/** Below this much user data one thread is faster than handing work out. */
export const PARALLEL_MIN_BYTES = 8 * 1024 * 1024;

export function allocateShared(bytes: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(bytes));
}

/** What a worker is asked to do: the codec call, on views of shared memory. */
export type WorkerTask =
  | { op: 'decode'; k: number; r: number; present: number[]; fragments: Uint8Array[]; out: Uint8Array }
  | { op: 'encode'; k: number; r: number; data: Uint8Array; fragments: Uint8Array[] };

export type WorkerReply = { id: number; error?: string };

interface Pending {
  resolve(): void;
  reject(error: Error): void;
}

const isShared = (buffer: Uint8Array): boolean => buffer.buffer instanceof SharedArrayBuffer;

/** `buffer` itself when shared, else a shared copy (with its bytes when `copy`). */
function sharedView(buffer: Uint8Array, copy: boolean): Uint8Array {
  if (isShared(buffer)) return buffer;
  const shared = allocateShared(buffer.length);
  if (copy) shared.set(buffer);
  return shared;
}

/**
 * Stripes in `fragments`, after checking that `userData` fits in them. Checked here because a
 * worker only sees its own range, so an over-long buffer would otherwise pass unnoticed.
 */
function stripesHolding(k: number, fragments: readonly Uint8Array[], userData: Uint8Array): number {
  const stripes = Math.floor((fragments[0]?.length ?? 0) / CHUNK_SIZE);
  if (userData.length > stripes * stripeSize(k)) {
    throw new RangeError(`${userData.length} bytes of user data do not fit in ${stripes} stripes`);
  }
  return stripes;
}

export class EcWorkerPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private broken: Error | undefined;
  readonly threads: number;

  constructor(threads: number = availableParallelism()) {
    this.threads = Math.max(1, threads);
    this.workers = Array.from({ length: this.threads }, () => {
      const worker = new Worker(WORKER_BOOTSTRAP, { eval: true, execArgv: [] });
      worker.on('message', (reply: WorkerReply) => this.settle(reply));
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', () => this.fail(new Error('an EC worker thread exited')));
      worker.unref();
      return worker;
    });
  }

  /** Same contract as Codec.decodeStripes, split across the workers when `out` is large. */
  async decodeStripes(
    k: number,
    r: number,
    present: readonly number[],
    fragments: readonly Uint8Array[],
    out: Uint8Array,
  ): Promise<void> {
    if (out.length < PARALLEL_MIN_BYTES) return codecFor(k, r).decodeStripes(present, fragments, out);
    const stripes = stripesHolding(k, fragments, out);
    const sharedFragments = fragments.map((f) => sharedView(f, true));
    const sharedOut = sharedView(out, false);
    await Promise.all(
      this.ranges(stripes).map(([first, end], i) => {
        const userEnd = Math.min(sharedOut.length, end * stripeSize(k));
        return this.submit(this.workers[i], {
          op: 'decode',
          k,
          r,
          present: [...present],
          fragments: sharedFragments.map((f) => f.subarray(first * CHUNK_SIZE, end * CHUNK_SIZE)),
          out: sharedOut.subarray(Math.min(userEnd, first * stripeSize(k)), userEnd),
        });
      }),
    );
    if (sharedOut !== out) out.set(sharedOut);
  }

  /** Same contract as Codec.encodeStripes, split across the workers when `data` is large. */
  async encodeStripes(k: number, r: number, data: Uint8Array, fragments: readonly Uint8Array[]): Promise<void> {
    if (data.length < PARALLEL_MIN_BYTES) return codecFor(k, r).encodeStripes(data, fragments);
    const stripes = stripesHolding(k, fragments, data);
    const sharedData = sharedView(data, true);
    const sharedFragments = fragments.map((f) => sharedView(f, false));
    await Promise.all(
      this.ranges(stripes).map(([first, end], i) =>
        this.submit(this.workers[i], {
          op: 'encode',
          k,
          r,
          data: sharedData.subarray(Math.min(sharedData.length, first * stripeSize(k)), Math.min(sharedData.length, end * stripeSize(k))),
          fragments: sharedFragments.map((f) => f.subarray(first * CHUNK_SIZE, end * CHUNK_SIZE)),
        }),
      ),
    );
    sharedFragments.forEach((shared, i) => {
      if (shared !== fragments[i]) fragments[i].set(shared);
    });
  }

  async close(): Promise<void> {
    this.fail(new Error('EC worker pool closed'));
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  /** [first, end) stripe ranges, one per worker, as even as whole stripes allow. */
  private ranges(stripes: number): [number, number][] {
    const count = this.threads;
    return Array.from({ length: count }, (_, i): [number, number] => [
      Math.floor((stripes * i) / count),
      Math.floor((stripes * (i + 1)) / count),
    ]);
  }

  private submit(worker: Worker, task: WorkerTask): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, task });
    });
  }

  private settle({ id, error }: WorkerReply): void {
    const job = this.pending.get(id);
    if (!job) return;
    this.pending.delete(id);
    if (this.pending.size === 0) this.workers.forEach((worker) => worker.unref());
    if (error === undefined) job.resolve();
    else job.reject(new Error(error));
  }

  /** A pool that lost a worker (or was closed) refuses further work: its ranges would never finish. */
  private fail(error: Error): void {
    this.broken ??= error;
    for (const job of this.pending.values()) job.reject(error);
    this.pending.clear();
  }
}
