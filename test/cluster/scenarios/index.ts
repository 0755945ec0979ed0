/** Every scenario `npm run fixtures` knows, in generation order. */
import type { Scenario } from '../scenario.ts';
import { ec2p1Clean, ec4p2Clean } from './clean.ts';
import { ec2p1Stale, ec4p2TwoDown, rep3BrickDown } from './stale.ts';
import { ec2p1Unhealable } from './unhealable.ts';
import { distEc2x2p1Linkto } from './linkto.ts';
import { rep2SplitBrain } from './split-brain.ts';
import { ec2p1Bitrot } from './bitrot.ts';
import { distShard } from './shard.ts';
import { ec2p1BrokenHandles } from './broken-handles.ts';

export const SCENARIOS: readonly Scenario[] = [
  ec2p1Clean,
  ec4p2Clean,
  ec2p1Stale,
  ec4p2TwoDown,
  rep3BrickDown,
  ec2p1Unhealable,
  distEc2x2p1Linkto,
  rep2SplitBrain,
  ec2p1BrokenHandles,
  ec2p1Bitrot,
  distShard,
];

export function scenarioByName(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown scenario "${name}"; known: ${SCENARIOS.map((x) => x.name).join(', ')}`);
  return s;
}
