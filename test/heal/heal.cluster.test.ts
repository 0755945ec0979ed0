/**
 * `gfsck heal --apply` on disperse and replica volumes real GlusterFS has just left damaged
 * (bricks down during every kind of change, a crashed large write, bitrot, an arbiter set,
 * split-brains settled by a policy): GlusterFS then sees nothing to heal and no split-brain,
 * the healed bricks serve every file of the truth on their own, sparse files stay sparse, a
 * second plan is empty and the journal undoes the heal exactly (test/cluster/heal-proof.ts). GFSCK_HEALER=glustershd runs the same proof with
 * GlusterFS's own self-heal daemon as the healer, to check the proof against it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healerFromEnv, proveScenarioHeal, requireHealApply } from '../cluster/heal-proof.ts';
import { HEAL_SCENARIOS } from '../cluster/scenarios/heal.ts';

const healer = healerFromEnv();

for (const scenario of HEAL_SCENARIOS) {
  test(`${scenario.name}: healed by ${healer.name}, GlusterFS serves the truth from the healed bricks`, { timeout: 600_000 }, async () => {
    if (healer.name === 'gfsck') requireHealApply();
    const report = await proveScenarioHeal(scenario, healer);
    console.log(report.toString());
    assert.deepEqual(report.failed, [], report.toString());
  });
}
