/**
 * What loading the EC codec costs a gfsck process, as users run it (the compiled dist/):
 * a fresh node process imports the codec, whose kernel loads at import, and one worker thread
 * of the pool answers a first decode. Printed as median wall time and the process's peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROUNDS = 7;
const dist = (path: string) => new URL(`../dist/${path}`, import.meta.url);

const PROBE = `
  const started = performance.now();
  const { codecFor } = await import(${JSON.stringify(dist('core/ec/codec.js').href)});
  codecFor(4, 2);
  const loaded = performance.now();
  const { EcWorkerPool, allocateShared } = await import(${JSON.stringify(dist('core/ec/parallel.js').href)});
  const pool = new EcWorkerPool(1);
  const fragments = [2, 3, 4, 5].map(() => allocateShared(512));
  await pool.decodeStripes(4, 2, [2, 3, 4, 5], fragments, allocateShared(2048));
  const worker = performance.now();
  await pool.close();
  console.log(JSON.stringify({ load: loaded - started, worker: worker - loaded, rss: process.resourceUsage().maxRSS }));
`;

interface Probe { load: number; worker: number; rss: number; total: number }

function probe(): Probe {
  const start = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE], { encoding: 'utf8' });
  const total = performance.now() - start;
  if (r.status !== 0) throw new Error(`start-up probe failed: ${r.stderr.trim().split('\n')[0]}`);
  return { ...(JSON.parse(r.stdout) as Omit<Probe, 'total'>), total };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Prints the start-up figures; needs `npm run build` first. */
export function printStartup(): void {
  if (!existsSync(fileURLToPath(dist('core/ec/codec.js')))) {
    console.log('start-up: no build (run npm run build)');
    return;
  }
  const runs = Array.from({ length: ROUNDS }, probe);
  const ms = (key: keyof Probe) => `${median(runs.map((r) => r[key])).toFixed(0)} ms`;
  console.log(`start-up, median of ${ROUNDS} fresh processes (dist/): codec import ${ms('load')}, first worker reply ${ms('worker')}, ` +
    `process ${ms('total')}, peak RSS ${(median(runs.map((r) => r.rss)) / 1024).toFixed(0)} MiB`);
}
