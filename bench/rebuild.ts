/**
 * Recovering one large file from a degraded 4+2 volume: GlusterFS itself (cat through the
 * FUSE mount, which decodes from the 4 surviving bricks) against `gfsck rebuild --only`
 * reading the same 4 bricks directly. Needs root and glusterd (the mini-cluster harness):
 *   npm run bench:rebuild            (GFSCK_BENCH_MIB=1024 by default)
 * Bricks 1 and 4 are killed before the file is written, so they hold none of it and both
 * readers must decode. Page caches are dropped before each timed run; both copies land on
 * the same disk, and both must have the written content.
 */
import { createHash } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../test/cluster/exec.ts';
import { withVolume } from '../test/cluster/volume.ts';

const MIB = 1024 * 1024;
const SIZE_MIB = Number(process.env.GFSCK_BENCH_MIB ?? 1024);
const GFSCK = fileURLToPath(new URL('../bin/gfsck.js', import.meta.url));
const DOWN = [1, 4];

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * MIB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function dropCaches(): Promise<void> {
  await run('sync', []);
  writeFileSync('/proc/sys/vm/drop_caches', '3\n');
}

async function timed(label: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  await dropCaches();
  const start = performance.now();
  await run(command, args, { env: { ...process.env, ...env }, timeoutMs: 30 * 60_000 });
  const seconds = (performance.now() - start) / 1000;
  console.log(`${label.padEnd(44)} ${seconds.toFixed(2).padStart(7)} s  ${(SIZE_MIB / seconds).toFixed(0).padStart(5)} MiB/s`);
  return seconds;
}

await withVolume({ type: 'disperse', k: 4, r: 2 }, async (vol) => {
  for (const b of DOWN) await vol.killBrick(b);
  const scratch = join(vol.bricks[0]!, '..', '..');
  const file = join(vol.mountpoint, 'big');
  console.log(`writing ${SIZE_MIB} MiB through the mount of a 4+2 volume with bricks ${DOWN.join(' and ')} down...`);
  await run('dd', ['if=/dev/urandom', `of=${file}`, 'bs=4M', `count=${SIZE_MIB / 4}`, 'status=none'], { timeoutMs: 30 * 60_000 });
  await vol.settle();
  const written = await sha256(file);

  const fuseCopy = join(scratch, 'fuse-copy');
  const fuse = await timed('cat through the FUSE mount (degraded read)', 'sh', ['-c', `cat "${file}" > "${fuseCopy}"`]);
  const outDir = join(scratch, 'rebuilt');
  const gfsck = await timed('gfsck rebuild --only /big from the bricks', process.execPath, [
    GFSCK, 'rebuild', '--out', outDir, '--only', '/big', '--layout', 'disperse:4+2', ...vol.bricks,
  ], { GFSCK_FROM_SOURCE: '1' });

  const [viaFuse, viaGfsck] = await Promise.all([sha256(fuseCopy), sha256(join(outDir, 'big'))]);
  if (viaFuse !== written || viaGfsck !== written) throw new Error(`content differs: written ${written}, FUSE ${viaFuse}, gfsck ${viaGfsck}`);
  console.log(`both copies equal the written data (sha256 ${written.slice(0, 16)}…); gfsck is ${(fuse / gfsck).toFixed(2)}× the speed of the FUSE read`);
});
