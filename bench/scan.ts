/**
 * Scan throughput and memory: builds synthetic bricks of 100k and 400k entries (disperse
 * 2+1 xattrs, gfid2path, mdata, handles) and reports `gfsck inspect` entries/s and peak RSS,
 * against `getfattr -R -d -m . -e hex` (a plain dump of the same xattrs) on the same brick.
 * Each figure is the median of three alternating rounds. Usage: npm run bench:scan [-- 100000 400000]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyntheticVolume } from '../test/support/synthetic-volume.ts';
import { GFSCK } from '../test/support/cli.ts';

const FILES_PER_DIR = 100;
const ROUNDS = 3;
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);

interface Measured { seconds: number; rssMiB: number; status: number }

/** Runs a command, returning wall seconds and the child's peak RSS (MiB), via getrusage. */
function measure(cmd: string[]): Measured {
  const probe = `import resource, subprocess, sys, time
t = time.monotonic(); r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
print(time.monotonic() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)`;
  const out = spawnSync('python3', ['-c', probe, ...cmd], { encoding: 'utf8' });
  const [seconds, rssKiB, status] = out.stdout.trim().split(' ').map(Number) as [number, number, number];
  // A failed run would time nothing: gfsck may find problems (4), never fail (8).
  if (status !== 0 && status !== 4) throw new Error(`${cmd.join(' ')} exited ${status}`);
  return { seconds, rssMiB: rssKiB / 1024, status };
}

/** The median run by time; peak RSS is the highest seen. */
function median(runs: Measured[]): Measured {
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  return { ...sorted[Math.floor(sorted.length / 2)]!, rssMiB: Math.max(...runs.map((r) => r.rssMiB)) };
}

function dropCaches(): boolean {
  try {
    spawnSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

function build(root: string, entries: number): { brick: string; count: number } {
  const v = new SyntheticVolume(root, 2, 1, 'bench', 1);
  let count = 0;
  for (let d = 0; count < entries; d++) {
    v.mkdir(`/d${d}`);
    count++;
    for (let f = 0; f < FILES_PER_DIR - 1 && count < entries; f++, count++) v.file(`/d${d}/f${f}`, (f * 997) % 5000);
  }
  return { brick: v.bricks[0]!, count };
}

console.log('entries  mode   tool      seconds  entries/s  peak RSS MiB');
for (const n of sizes.length > 0 ? sizes : [100_000, 400_000]) {
  const root = mkdtempSync(join(tmpdir(), 'gfsck-bench-'));
  try {
    const t = Date.now();
    const { brick, count } = build(root, n);
    console.error(`built ${count} entries in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    for (const mode of ['cold', 'warm'] as const) {
      const inspects: Measured[] = [];
      const dumps: Measured[] = [];
      // Alternating rounds, medians: a shared VM's speed drifts by a fifth from minute to minute.
      for (let round = 0; round < ROUNDS; round++) {
        if (mode === 'cold' && !dropCaches()) break;
        inspects.push(measure([GFSCK, 'inspect', '--layout', 'disperse:2+1', brick])); // as installed: its shebang sets the heap cap
        if (mode === 'cold') dropCaches();
        dumps.push(measure(['getfattr', '-R', '-d', '-m', '.', '-e', 'hex', brick])); // the command; -h makes no difference in time
      }
      if (inspects.length === 0) continue;
      const [inspect, dump] = [median(inspects), median(dumps)];
      for (const [tool, m] of [['gfsck', inspect], ['getfattr', dump]] as const) {
        console.log(`${String(count).padStart(7)}  ${mode}  ${tool.padEnd(8)}  ${m.seconds.toFixed(2).padStart(7)}  ${Math.round(count / m.seconds).toString().padStart(9)}  ${m.rssMiB.toFixed(0).padStart(12)}`);
      }
      console.log(`${' '.repeat(7)}  ${mode}  ratio     gfsck is ${(dump.seconds / inspect.seconds).toFixed(2)}x the speed of getfattr (medians of ${inspects.length})`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
