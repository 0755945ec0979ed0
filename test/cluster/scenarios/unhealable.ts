/**
 * heal-sources.md §1.10: a brick is killed during a large write, then the FUSE client is
 * killed before the write ends. The surviving bricks' fragments run past what their
 * trusted.ec.size implies, so no K bricks agree and GlusterFS cannot heal the file.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { patternBytes, sha256Hex } from '../content.ts';
import { expectedFragmentBytes, fragmentState } from '../ec-xattrs.ts';
import { waitFor } from '../exec.ts';
import { REPO_ROOT } from '../fixture.ts';
import { register } from '../registry.ts';
import type { Scenario, ScenarioContext } from '../scenario.ts';

const K = 2;
const FILE = '/bigfile';
/** 64 KiB every 25 ms ≈ 2.5 MiB/s: slow enough that the file stays a few MiB. */
const CHUNK = 64 * 1024;
const INTERVAL_MS = 25;
/** Bytes written before the brick is killed, and again before the client is killed. */
const PHASE_BYTES = 1536 * 1024;
const LIMIT = 64 * 1024 * 1024;

/** Starts the throttled writer; `written()` is the byte count it last reported. */
function startWriter(file: string, seed: string): { written: () => number; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/cluster/throttled-writer.ts'), file, seed, String(CHUNK), String(INTERVAL_MS), String(LIMIT)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const unregister = register({ label: `writer ${child.pid}`, releaseSync: () => child.kill('SIGKILL') });
  let written = 0;
  createInterface({ input: child.stdout! }).on('line', (line) => (written = Number(line)));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      unregister();
      resolve(code);
    }),
  );
  return { written: () => written, exited };
}

export const ec2p1Unhealable: Scenario = {
  name: 'ec-2p1-unhealable',
  description: 'disperse 2+1, brick 2 killed during a large write, then the FUSE client SIGKILLed: fragments longer than trusted.ec.size implies (unhealable)',
  spec: { type: 'disperse', k: K, r: 1 },
  async run(ctx: ScenarioContext) {
    const writer = startWriter(join(ctx.mountpoint, FILE), ctx.seed);
    const reach = (bytes: number): Promise<true> => waitFor(`the writer to pass ${bytes} bytes`, () => (writer.written() >= bytes ? true : undefined), 60_000, 20);
    await reach(PHASE_BYTES);
    await ctx.killBrick(2);
    const atBrickKill = writer.written();
    await reach(atBrickKill + PHASE_BYTES);
    await ctx.vol.killClient(ctx.mountpoint);
    await writer.exited;
    const acknowledged = writer.written();
    ctx.note(
      `writer acknowledged ${acknowledged} bytes of patternBytes("${ctx.seed}") (sha256 of that prefix ${sha256Hex(patternBytes(ctx.seed, 0, acknowledged))}); ` +
        `brick 2 was killed after ${atBrickKill} bytes, the FUSE client after ${acknowledged}`,
    );

    // The volume is stopped before the bricks are read, so the counters are final.
    ctx.mountpoint = await ctx.vol.mount();
    await ctx.recordNamespace();
    const gfid = ctx.gfid(FILE);
    await ctx.vol.stop();
    let mismatched = 0;
    ctx.vol.bricks.forEach((brick, index) => {
      const s = fragmentState(join(brick, FILE));
      const expected = expectedFragmentBytes(s.ecSize, K);
      if (s.fragmentBytes === expected) return;
      mismatched++;
      ctx.addDamage({
        kind: 'ec-size-mismatch',
        brick: index,
        path: FILE,
        gfid,
        detail:
          `fragment is ${s.fragmentBytes} bytes but trusted.ec.size ${s.ecSize} implies ${expected}; ` +
          `version ${s.versionData}/${s.versionMeta}, dirty ${s.dirtyData}/${s.dirtyMeta}`,
        data: { ...s, expectedFragmentBytes: expected, acknowledgedBytes: acknowledged },
      });
    });
    // With ≤ 1 consistent fragment left out of 3, K=2 cannot be reached: that is the point of this fixture.
    if (mismatched < 2) throw new Error(`the crash did not leave ${FILE} unhealable (only ${mismatched} brick(s) inconsistent); rerun the scenario`);
  },
};
