/**
 * EC codec start-up cost (bench/ec-startup.ts), then throughput, in MiB/s of user data, on
 * 64 MiB buffers:
 *   npm run bench:ec
 * Encode and decode at 2+1, 4+2, 8+4 for each kernel on one thread, then decode over worker
 * threads. Decode reads the last K bricks (4+2: bricks 2,3,4,5), the brief's worst case: with
 * the first R bricks missing the inverse matrix is dense, 400 plane XORs per 4+2 stripe before
 * pair sharing against 368 for encoding.
 */
import { availableParallelism } from 'node:os';
import { createCodec } from '../core/ec/codec.ts';
import { loadKernel, KERNEL_NAMES, type XorKernel } from '../core/ec/kernel.ts';
import { EcWorkerPool, allocateShared } from '../core/ec/parallel.ts';
import { printStartup } from './ec-startup.ts';

const SIZE = 64 * 1024 * 1024;
const LAYOUTS: [number, number][] = [
  [2, 1],
  [4, 2],
  [8, 4],
];
const ROUNDS = 5;

function randomData(size: number, target: Uint8Array = new Uint8Array(size)): Uint8Array {
  let x = 0x9e3779b9;
  const words = new Uint32Array(target.buffer, target.byteOffset, size / 4);
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return target;
}

/** Best of ROUNDS after one warm-up, as MiB/s of `bytes` per call. */
async function throughput(bytes: number, run: () => unknown): Promise<number> {
  await run();
  let best = Infinity;
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    await run();
    best = Math.min(best, performance.now() - start);
  }
  return bytes / (1024 * 1024) / (best / 1000);
}

const worstCasePresent = (k: number, r: number): number[] => Array.from({ length: k }, (_, i) => r + i);
const row = (label: string, mibps: number): void => console.log(`${label.padEnd(44)} ${mibps.toFixed(0).padStart(6)} MiB/s`);

printStartup();
const data = randomData(SIZE);
console.log(`EC codec, ${SIZE / 1024 / 1024} MiB of user data, best of ${ROUNDS}, ${availableParallelism()} CPUs`);

for (const name of KERNEL_NAMES) {
  let kernel: XorKernel;
  try {
    kernel = await loadKernel(name);
  } catch (error) {
    console.log(`${name}: unavailable (${(error as Error).message})`);
    continue;
  }
  for (const [k, r] of LAYOUTS) {
    const codec = createCodec(k, r, { kernel });
    const fragments = codec.encode(data);
    const present = worstCasePresent(k, r);
    const sources = present.map((brick) => fragments[brick]);
    const out = new Uint8Array(SIZE);
    row(`${name} ${k}+${r} encode`, await throughput(SIZE, () => codec.encodeStripes(data, fragments)));
    row(`${name} ${k}+${r} decode from ${present.join(',')}`, await throughput(SIZE, () => codec.decodeStripes(present, sources, out)));
  }
}

const pool = new EcWorkerPool();
try {
  for (const [k, r] of LAYOUTS) {
    const codec = createCodec(k, r);
    const present = worstCasePresent(k, r);
    const fragments = codec.encode(data);
    // Shared memory lets the workers read the fragments and write the data without copies.
    const sources = present.map((brick) => {
      const shared = allocateShared(fragments[brick].length);
      shared.set(fragments[brick]);
      return shared;
    });
    const out = allocateShared(SIZE);
    row(
      `${pool.threads} workers ${k}+${r} decode`,
      await throughput(SIZE, () => pool.decodeStripes(k, r, present, sources, out)),
    );
  }
} finally {
  await pool.close();
}
