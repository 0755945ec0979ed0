/**
 * `gfsck heal --apply` SIGKILLed at seeded points while it writes (fragments of a disperse
 * set, copies of a replica set), then run again: the second run must finish the heal as if
 * nothing had happened (exit 0 or 1), with an empty plan afterwards, an empty heal info,
 * and the healed brick serving the truth on its own.
 * GFSCK_HEAL_KILL_SEED and GFSCK_HEAL_KILL_ROUNDS pick other points.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  ProofReport, applyArgs, checkHealInfoEmpty, checkHealedBricksServe, checkPlanEmpty, copyBricks, gfsckHeal, healExpectation,
  requireHealApply, restoreBricks, startWithoutOtherHealers,
} from '../cluster/heal-proof.ts';
import { register, volumeScratchDir } from '../cluster/registry.ts';
import { runScenario } from '../cluster/scenario.ts';
import { ec2p1HealOne, rep3HealOne } from '../cluster/scenarios/heal.ts';
import { withVolume } from '../cluster/volume.ts';
import { GFSCK, gfsckEnv } from '../support/cli.ts';

const SEED = Number(process.env.GFSCK_HEAL_KILL_SEED ?? 20261207);
const ROUNDS = Number(process.env.GFSCK_HEAL_KILL_ROUNDS ?? 3);

/** mulberry32: a small seeded generator of floats in [0, 1). */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs `gfsck heal ARGS`; the writes start when it names its journal. With `killAfterMs` it
 * is SIGKILLed that long after that line. Returns whether it was killed, and how long the
 * writing lasted (to the exit).
 */
function healWithKill(args: string[], killAfterMs: number | null): Promise<{ killed: boolean; writingMs: number }> {
  const child = spawn(process.execPath, [GFSCK, 'heal', ...args], { env: gfsckEnv(), stdio: ['ignore', 'pipe', 'ignore'] });
  const unregister = register({ label: `gfsck heal ${child.pid}`, releaseSync: () => child.kill('SIGKILL') });
  let killed = false;
  let writingSince: number | null = null;
  let timer: NodeJS.Timeout | undefined;
  child.stdout.on('data', (chunk: Buffer) => {
    if (writingSince !== null || !chunk.toString().includes('journal')) return;
    writingSince = performance.now();
    if (killAfterMs !== null) timer = setTimeout(() => (killed = child.kill('SIGKILL')), killAfterMs);
  });
  return new Promise((resolve) =>
    child.on('exit', () => {
      clearTimeout(timer);
      unregister();
      resolve({ killed, writingMs: writingSince === null ? 0 : performance.now() - writingSince });
    }),
  );
}

for (const scenario of [ec2p1HealOne, rep3HealOne]) {
  test(`${scenario.name}: heal --apply SIGKILLed at ${ROUNDS} seeded points, then run again, heals the volume`, { timeout: 900_000 }, async () => {
    requireHealApply();
    await withVolume(scenario.spec, async (vol) => {
      const truth = await runScenario(scenario, vol);
      const scratch = volumeScratchDir(vol.name);
      const pristine = await copyBricks(vol, 'pristine');

      // The kill points are fractions of the writing of an uninterrupted run, timed on a copy.
      const timing = await copyBricks(vol, 'timing');
      const { writingMs } = await healWithKill(applyArgs(vol, truth, join(scratch, 'timing.journal'), timing), null);
      assert.ok(writingMs > 0, 'the uninterrupted run named its journal');

      const random = seededRandom(SEED);
      for (let round = 0; round < ROUNDS; round++) {
        if (round > 0) {
          await vol.stop();
          await restoreBricks(vol, pristine);
        }
        const killAtMs = Math.round(writingMs * (0.05 + 0.9 * random()));
        const { killed } = await healWithKill(applyArgs(vol, truth, join(scratch, `killed-${round}.journal`)), killAtMs);
        const report = new ProofReport(`gfsck SIGKILLed ${killAtMs} ms into ~${Math.round(writingMs)} ms of writing (${killed ? 'killed' : 'had already exited'}), then re-run`, truth.scenario);
        await report.check('the re-run exits 0 or 1', () => {
          const rerun = gfsckHeal(applyArgs(vol, truth, join(scratch, `rerun-${round}.journal`)));
          if (rerun.status !== 0 && rerun.status !== 1) throw new Error(`exit ${rerun.status}: ${rerun.stderr.trim()}`);
          return `exit ${rerun.status}`;
        });
        await checkPlanEmpty(vol, truth, report);
        await startWithoutOtherHealers(vol);
        await checkHealInfoEmpty(vol, report);
        await checkHealedBricksServe(vol, healExpectation(truth), report);
        console.log(report.toString());
        assert.deepEqual(report.failed, [], report.toString());
      }
    }, { tag: 'heal-kill' });
  });
}
