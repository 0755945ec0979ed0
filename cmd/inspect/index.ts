/** `gfsck inspect BRICK...`: what is wrong with these bricks, alone and compared. */
import { quorumOption } from '../shared/replica-options.ts';
import { Command, Option } from 'commander';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { projectRoot } from '../../core/fs/project.ts';
import { shellWord } from '../../core/fs/names.ts';
import { inspect } from '../../core/inspect/inspect.ts';
import { extractBrickArchive, type ExtractedArchive } from '../../core/archive/brick-archive.ts';
import { EXIT, GfsckError } from '../../core/errors.ts';
import { Progress } from '../shared/progress.ts';
import { onInterrupt, positiveInt } from '../shared/run.ts';
import type { Catalog } from '../../core/index/catalog.ts';
import { printJson, printText } from './report.ts';
import { judgeSets, partialSets } from '../../core/heal/set-verdict.ts';

/** The bundled example: a damaged 2+1 brick set written by real GlusterFS. */
const EXAMPLE = join(projectRoot(), 'testdata', 'ec-2p1-broken-handles.tar.gz');

interface InspectFlags { db?: string; resume?: boolean; layout?: string; volinfo?: string; quorum?: string; json?: boolean; jobs: number; example?: boolean; keep?: string }

/** The example's bricks: in a temp folder removed at exit, or kept in --keep DIR to try the fixes on. */
function extractExample(flags: InspectFlags): ExtractedArchive | null {
  if (flags.keep !== undefined && !flags.example) throw new GfsckError('usage', '--keep needs --example');
  if (!flags.example) return null;
  if (flags.keep === undefined) return extractBrickArchive(EXAMPLE);
  const dir = resolve(flags.keep);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new GfsckError('usage', `--keep ${flags.keep}: not empty (give a new or empty folder)`);
  return extractBrickArchive(EXAMPLE, dir);
}

/** What to run next on the kept example: the same bricks, each step a plain command line. */
function printNextSteps(example: ExtractedArchive, out: (line: string) => void): void {
  const bricks = [...(example.volinfo ? ['--volinfo', example.volinfo] : []), ...example.bricks].map(shellWord).join(' ');
  out('');
  out(`The example's bricks are kept in ${example.dir} (remove it when done). Try next:`);
  out('  # list the handle repairs (changes nothing), then make them, each one journaled for --undo');
  out(`  gfsck rebuild --handles ${bricks}`);
  out(`  gfsck rebuild --handles --apply ${bricks}`);
  out('  # which bricks heal would copy from, per entry and why (changes nothing)');
  out(`  gfsck heal --sources ${bricks}`);
  out('  # check again');
  out(`  gfsck inspect ${bricks}`);
}

const HELP = `
The report opens with a verdict per set, the one 'gfsck heal --sources' gives: which bricks
are stale, for how many entries, and the command that heals them. Then each finding once
per entry, naming the bricks it was found on (#N: the brick's place in the volume, as in
the brick table); --json lists one object per brick finding and the verdicts in its summary.
A set is compared only when its bricks are given together: with fewer bricks than the
set's size, the verdict says so ('1 of 6 bricks of set 0 given: the set was not compared').
Exit: 0 no problems and every set given whole, 4 problems found (and left), or a set not
given whole, 8 operational error, 16 usage error, 32 interrupted.`;

export function inspectCommand(): Command {
  return new Command('inspect')
    .description('scan bricks, decode every xattr, check the .glusterfs tree and compare the bricks of each set')
    .argument('[bricks...]', 'brick directories, in volume order (as given to gluster volume create)')
    .option('--db <file>', 'keep the catalog in this SQLite file (default: a temp file removed at exit)')
    .option('--resume', 'continue an interrupted scan kept with --db')
    .addOption(new Option('--layout <layout>', 'disperse:K+R, replica:N[:arbiter] or distribute').conflicts('example'))
    .option('--volinfo <dir>', "glusterd's vols/NAME folder (or its info file): layout and brick order")
    .addOption(quorumOption())
    .option('--json', 'JSON Lines: one object per finding, then a summary')
    .option('--jobs <n>', 'directories read at once', positiveInt('--jobs'), 8)
    .option('--example', 'inspect the bundled example (a damaged 2+1 set made by real GlusterFS)')
    .option('--keep <dir>', 'with --example: extract its bricks into this new folder and keep them, to try the fixes on')
    .addHelpText('after', HELP)
    .action(async (bricks: string[], flags: InspectFlags) => {
      const example = extractExample(flags);
      const removeExample = () => { if (flags.keep === undefined) example?.remove(); };
      const progress = new Progress();
      let catalog: Catalog | null = null;
      const stopListening = onInterrupt(() => {
        progress.done();
        catalog?.close();
        removeExample();
        return flags.db ? `the catalog ${flags.db} keeps the scan so far: rerun with --resume` : undefined;
      });
      // As given, so the heal command the report prints runs on the same bricks.
      const how = { bricks: example ? example.bricks : bricks, layout: { layout: flags.layout, volinfo: example?.volinfo ?? flags.volinfo, quorum: flags.quorum } };
      try {
        const result = await inspect({
          bricks: how.bricks,
          db: flags.db ?? null,
          resume: Boolean(flags.resume),
          layout: how.layout,
          jobs: flags.jobs,
          onProgress: (p) => progress.update((s) => `brick ${p.brick}: ${p.phase}: ${p.entries} entries, ${p.handles} handles (${Math.round(p.entries / Math.max(s, 0.001))}/s)`),
          onPass: (title) => progress.update(() => title),
          onCatalog: (c) => { catalog = c; },
        });
        const out = (line: string) => process.stdout.write(`${line}\n`);
        let uncompared: boolean;
        try {
          progress.update(() => 'judging each set as heal would');
          const summaries = await judgeSets(result.catalog.db, result.shape);
          progress.done();
          if (flags.json) printJson(result, { summaries, how }, out);
          else printText(result, { summaries, how }, out);
          uncompared = partialSets(summaries).length > 0;
        } finally {
          result.catalog.close();
        }
        if (example && flags.keep !== undefined) printNextSteps(example, flags.json ? (line) => process.stderr.write(`${line}\n`) : out);
        else if (example && !flags.json) out(`\nThe example's bricks are removed at exit: gfsck inspect --example --keep DIR keeps them, to run the commands above on.`);
        // A set not given whole was not (wholly) compared: clean is not something we can say of it.
        process.exitCode = result.counts.error + result.counts.warning > 0 || uncompared ? EXIT.uncorrected : EXIT.clean;
      } finally {
        stopListening();
        progress.done();
        removeExample();
      }
    });
}
