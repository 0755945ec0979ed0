/**
 * `npm run fixtures [names...]`: regenerates testdata/<name>.tar.gz from the scenarios
 * (all of them without arguments) on a real GlusterFS volume.
 */
import { statSync } from 'node:fs';
import { fixtureArchive } from './fixture.ts';
import { generateFixture } from './scenario.ts';
import { SCENARIOS, scenarioByName } from './scenarios/index.ts';

const names = process.argv.slice(2);
const chosen = names.length > 0 ? names.map(scenarioByName) : SCENARIOS;
for (const scenario of chosen) {
  const started = Date.now();
  process.stdout.write(`${scenario.name}: ${scenario.description}\n`);
  const truth = await generateFixture(scenario);
  const kib = Math.round(statSync(fixtureArchive(scenario.name)).size / 1024);
  process.stdout.write(
    `  -> testdata/${scenario.name}.tar.gz ${kib} KiB, ${truth.entries.length} entries, ${truth.damage.length} damage records, ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}
