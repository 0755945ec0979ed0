/**
 * Recovering one large file from a degraded 4+2 volume: GlusterFS itself (cat through the
 * FUSE mount, which decodes from the 4 surviving bricks) against `gfsck rebuild --only`
 * reading the same 4 bricks directly. Needs root and glusterd (the mini-cluster harness):
 *   npm run bench:rebuild        (GFSCK_BENCH_MIB=1024 and GFSCK_BENCH_ROUNDS=3 by default)
 * Bricks 1 and 4 are killed before the file is written, so they hold none of it and both
 * readers must decode. Page caches are dropped before each timed run; both copies land on
 * the same disk, and both must have the written content. The two alternate for a few rounds
 * and medians are compared.
 */
import { createHash } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../test/cluster/exec.ts';
import { withVolume } from '../test/cluster/volume.ts';

const MIB = 1024 * 1024;
const SIZE_MIB = Number(process.env.GFSCK_BENCH_MIB ?? 1024);
const GFSCK = fileURLToPath(new URL('../bin/gfsck.cjs', import.meta.url));
const DOWN = [1, 4];
const ROUNDS = Number(process.env.GFSCK_BENCH_ROUNDS ?? 3);

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * MIB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function dropCaches(): Promise<void> {
  await run('sync', []);
  writeFileSync('/proc/sys/vm/drop_caches', '3\n');
}

/** Seconds for one run of a command, page caches dropped first. */
async function timed(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  await dropCaches();
  const start = performance.now();
  await run(command, args, { env: { ...process.env, ...env }, timeoutMs: 30 * 60_000 });
  return (performance.now() - start) / 1000;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const row = (label: string, seconds: number[]): void =>
  console.log(`${label.padEnd(44)} ${seconds.map((s) => s.toFixed(2)).join(' / ')} s, median ${median(seconds).toFixed(2)} s = ${(SIZE_MIB / median(seconds)).toFixed(0)} MiB/s`);

console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (2 cores; the disk and CPUs are shared with anything else running)`);

await withVolume({ type: 'disperse', k: 4, r: 2 }, async (vol) => {
  for (const b of DOWN) await vol.killBrick(b);
  const scratch = join(vol.bricks[0]!, '..', '..');
  const file = join(vol.mountpoint, 'big');
  console.log(`writing ${SIZE_MIB} MiB through the mount of a 4+2 volume with bricks ${DOWN.join(' and ')} down...`);
  await run('dd', ['if=/dev/urandom', `of=${file}`, 'bs=4M', `count=${SIZE_MIB / 4}`, 'status=none'], { timeoutMs: 30 * 60_000 });
  await vol.settle();
  const written = await sha256(file);

  // The VM disk's speed drifts with writeback of earlier runs: alternate the two readers and compare medians.
  const fuseCopy = join(scratch, 'fuse-copy');
  const outDir = join(scratch, 'rebuilt');
  const fuse: number[] = [];
  const gfsck: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await run('rm', ['-rf', fuseCopy, outDir]);
    fuse.push(await timed('sh', ['-c', `cat "${file}" > "${fuseCopy}"`]));
    // The CLI as installed (compiled, its shebang's heap cap): `npm run bench:rebuild` builds first.
    gfsck.push(await timed(GFSCK, ['rebuild', '--out', outDir, '--only', '/big', '--layout', 'disperse:4+2', ...vol.bricks]));
  }
  row('cat through the FUSE mount (degraded read)', fuse);
  row('gfsck rebuild --only /big from the bricks', gfsck);

  const [viaFuse, viaGfsck] = await Promise.all([sha256(fuseCopy), sha256(join(outDir, 'big'))]);
  if (viaFuse !== written || viaGfsck !== written) throw new Error(`content differs: written ${written}, FUSE ${viaFuse}, gfsck ${viaGfsck}`);
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`both copies equal the written data (sha256 ${written.slice(0, 16)}…); gfsck is ${(median(fuse) / median(gfsck)).toFixed(2)}× the speed of the FUSE read`);
});
