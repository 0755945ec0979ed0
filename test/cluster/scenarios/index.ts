/** Every scenario `npm run fixtures` knows, in generation order. */
import type { Scenario } from '../scenario.ts';
import { ec2p1Clean, ec4p2Clean } from './clean.ts';
import { ec2p1Stale, ec4p2TwoDown, rep3BrickDown } from './stale.ts';

export const SCENARIOS: readonly Scenario[] = [ec2p1Clean, ec4p2Clean, ec2p1Stale, ec4p2TwoDown, rep3BrickDown];

export function scenarioByName(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown scenario "${name}"; known: ${SCENARIOS.map((x) => x.name).join(', ')}`);
  return s;
}
