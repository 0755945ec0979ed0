/**
 * Healing bricks that missed writes: GlusterFS's self-heal daemon (the volume started,
 * `gluster volume heal VOL`, until heal info lists nothing) against `gfsck heal --apply`
 * offline (volume stop, heal, volume start, from the same running state), on the same
 * damage: the stopped bricks are copied once and put back between the two. Needs root and
 * glusterd (the mini-cluster harness):
 *   npm run bench:heal        (GFSCK_BENCH_FILES=5000, GFSCK_BENCH_MIB=1024 by default;
 *                              GFSCK_BENCH_ONLY=disperse runs only the cases titled so)
 * Cases: disperse 2+1 with many small files written while a brick was down; disperse 4+2
 * with one large file overwritten while two bricks were down; replica 3 with many small
 * files written while a brick was down.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededBytes } from '../test/cluster/content.ts';
import { run } from '../test/cluster/exec.ts';
import { copyBricks, describesHealApply, requestIndexHeal, restoreBricks, startWithoutOtherHealers, volinfoDir, waitHealInfoEmpty } from '../test/cluster/heal-proof.ts';
import type { VolumeSpec } from '../test/cluster/layout.ts';
import { withVolume, type Volume } from '../test/cluster/volume.ts';

const FILES = Number(process.env.GFSCK_BENCH_FILES ?? 5000);
const FILE_BYTES = 64 * 1024;
const FILES_PER_DIR = 100;
const BIG_MIB = Number(process.env.GFSCK_BENCH_MIB ?? 1024);
const GFSCK = fileURLToPath(new URL('../bin/gfsck.cjs', import.meta.url));
/** heal info must drain within this, or the figure is reported as a failure. */
const DRAIN_BOUND_MS = 60 * 60_000;

interface Case {
  title: string;
  spec: VolumeSpec;
  /** Written with every brick up, before `down` are killed. */
  before?: (mountpoint: string) => Promise<void>;
  down: number[];
  /** Written while `down` are dead: what the heal has to rebuild. */
  missed: (mountpoint: string) => Promise<void>;
}

const seconds = (since: number): number => (performance.now() - since) / 1000;

async function writeSmallFiles(mountpoint: string): Promise<void> {
  for (let d = 0; d * FILES_PER_DIR < FILES; d++) {
    const dir = join(mountpoint, `d${String(d).padStart(3, '0')}`);
    await mkdir(dir);
    const content = seededBytes(`bench/${d}`, FILE_BYTES);
    for (let i = 0; i < FILES_PER_DIR && d * FILES_PER_DIR + i < FILES; i++) {
      content.writeUInt32BE(i, 0); // every file of the directory differs
      await writeFile(join(dir, `f${i}`), content);
    }
  }
}

/** Random bytes over the whole of /big, in place (the first write creates it). */
async function writeBig(mountpoint: string): Promise<void> {
  await run('dd', ['if=/dev/urandom', `of=${join(mountpoint, 'big')}`, 'bs=4M', `count=${BIG_MIB / 4}`, 'conv=notrunc', 'status=none'], { timeoutMs: 60 * 60_000 });
}

const CASES: Case[] = [
  { title: `disperse 2+1, ${FILES} files x 64 KiB written with brick 2 down`, spec: { type: 'disperse', k: 2, r: 1 }, down: [2], missed: writeSmallFiles },
  {
    title: `disperse 4+2, one ${BIG_MIB} MiB file overwritten with bricks 1 and 4 down`,
    spec: { type: 'disperse', k: 4, r: 2 },
    before: writeBig,
    down: [1, 4],
    missed: writeBig,
  },
  { title: `replica 3, ${FILES} files x 64 KiB written with brick 2 down`, spec: { type: 'replicate', replica: 3 }, down: [2], missed: writeSmallFiles },
];

/** Writes back what the setup left dirty (brick copies), so that neither healer's figure pays for it. */
const flushSetup = (): Promise<unknown> => run('sync', []);

async function glustershdSeconds(vol: Volume): Promise<string> {
  await flushSetup();
  const start = performance.now();
  await vol.startForce();
  await requestIndexHeal(vol);
  await waitHealInfoEmpty(vol, DRAIN_BOUND_MS);
  return `${seconds(start).toFixed(1)} s (start force, heal, until heal info lists 0)`;
}

async function gfsckApplyAvailable(): Promise<boolean> {
  const help = await run(process.execPath, [GFSCK, 'heal', '--help'], { allowFailure: true });
  return describesHealApply(help.stdout);
}

/** From the running volume with stale bricks and no other healer: stop, heal --apply, start. */
async function gfsckSeconds(vol: Volume): Promise<string> {
  await flushSetup();
  const start = performance.now();
  await vol.stop();
  const stopped = seconds(start);
  const healStart = performance.now();
  const heal = await run('/usr/bin/time', ['-f', 'peak-rss-kib %M', process.execPath, GFSCK, 'heal', '--apply', '--journal', join(vol.bricks[0]!, '..', '..', 'bench.journal'), '--volinfo', volinfoDir(vol), ...vol.bricks], { allowFailure: true, timeoutMs: DRAIN_BOUND_MS });
  const healed = seconds(healStart);
  const rssKiB = Number(/peak-rss-kib (\d+)/.exec(heal.stderr)?.[1]);
  if (heal.code !== 1) return `FAILED: heal --apply exited ${heal.code}: ${heal.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  const startedAt = performance.now();
  await vol.startForce();
  const started = seconds(startedAt);
  const drained = await waitHealInfoEmpty(vol, 120_000).then((s) => `heal info empty ${s.toFixed(1)} s later`, (e: Error) => `heal info NOT empty: ${e.message.slice(0, 300)}`);
  return `${(stopped + healed + started).toFixed(1)} s (stop ${stopped.toFixed(1)} + heal --apply ${healed.toFixed(1)} + start ${started.toFixed(1)}), peak RSS ${(rssKiB / 1024).toFixed(0)} MiB; ${drained}`;
}

const apply = await gfsckApplyAvailable();
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (2 cores, shared with anything else running)`);
if (!apply) console.log('this build of gfsck has no `heal --apply`: its figures are missing below');

/** GFSCK_BENCH_ONLY=WORD runs only the cases whose title has WORD (e.g. disperse). */
const only = process.env.GFSCK_BENCH_ONLY;
for (const c of CASES.filter((x) => only === undefined || x.title.includes(only))) {
  await withVolume(c.spec, async (vol) => {
    console.log(`\n${c.title}`);
    if (c.before) await c.before(vol.mountpoint);
    for (const b of c.down) await vol.killBrick(b);
    const writing = performance.now();
    await c.missed(vol.mountpoint);
    console.log(`  written in ${seconds(writing).toFixed(1)} s`);
    await vol.settle();
    await vol.stop();
    const pristine = await copyBricks(vol, 'pristine');

    console.log(`  glustershd:          ${await glustershdSeconds(vol).catch((e: Error) => `FAILED: ${e.message.slice(0, 300)}`)}`);
    if (!apply) {
      console.log('  gfsck heal --apply:  missing (not in this build)');
      return;
    }
    await vol.stop();
    await restoreBricks(vol, pristine);
    // The same running state glustershd started from, but nothing heals it on its own.
    await startWithoutOtherHealers(vol);
    console.log(`  gfsck heal --apply:  ${await gfsckSeconds(vol)}`);
  }, { tag: 'bench-heal' });
}
console.log(`\nload average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
