/**
 * The fuzz suite: copies of real fixture bricks, damaged by the mutation engine, given to
 * every command of the table; each run must hold the contract commands.ts asserts.
 *
 * Seeded: GFSCK_FUZZ_SEED=N fixes the run (printed at the start and in every failure),
 * GFSCK_FUZZ_CASES=N sets how many cases (default 144: about four minutes on two busy
 * cores with the compiled CLI), GFSCK_FUZZ_CASE=I runs only case I of the seed.
 */
import { test } from 'node:test';
import { rmSync } from 'node:fs';
import { COMMANDS, cliFromSource, runRow } from './commands.ts';
import { FUZZ_FIXTURES, PROJECT_ROOT, caseRoot, copyCase, extractPristine } from './fixtures.ts';
import { Rng, mutate, type Mutation } from './mutate.ts';

const seed = Number(process.env.GFSCK_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const cases = Number(process.env.GFSCK_FUZZ_CASES ?? 144);
const only = process.env.GFSCK_FUZZ_CASE === undefined ? null : Number(process.env.GFSCK_FUZZ_CASE);
const fromSource = cliFromSource(PROJECT_ROOT);
process.stdout.write(`# fuzz: GFSCK_FUZZ_SEED=${seed} GFSCK_FUZZ_CASES=${cases} (${fromSource ? 'sources through tsx' : 'compiled CLI'})\n`);

const pristine = FUZZ_FIXTURES.map(extractPristine);
const root = caseRoot(pristine);
test.after(() => {
  rmSync(root, { recursive: true, force: true });
  for (const p of pristine) p.archive.remove();
});

const describe = (m: Mutation) => (m.kind === 'xattr' ? `b${m.brick} ${m.path}: ${m.verb} ${m.xattr}` : `b${m.brick}: ${m.damage} ${m.path}`);

for (let i = 0; i < cases; i++) {
  if (only !== null && i !== only) continue;
  // Every command gets every fixture in turn; the damage is the seed's.
  const row = COMMANDS[i % COMMANDS.length]!;
  const fixture = pristine[Math.floor(i / COMMANDS.length) % pristine.length]!;
  test(`case ${i}: ${row.name} on ${fixture.name}`, () => {
    const rng = new Rng(seed ^ Math.imul(i + 1, 0x9e3779b1));
    const c = copyCase(fixture, root, i, rng.next() < 0.5);
    try {
      const mutations = Array.from({ length: 1 + rng.int(3) }, () => mutate(c.bricks, fixture.volume, rng));
      const context = `reproduce: GFSCK_FUZZ_SEED=${seed} GFSCK_FUZZ_CASE=${i} node --import tsx --test test/fuzz/fuzz.test.ts\n` +
        `  ${fixture.name}${c.volinfo ? ' (--volinfo)' : ''}; damage: ${mutations.map(describe).join('; ')}`;
      runRow(row, c, fromSource, context);
    } finally {
      rmSync(c.dir, { recursive: true, force: true });
    }
  });
}
