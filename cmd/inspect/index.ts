/** `gfsck inspect BRICK...`: what is wrong with these bricks, alone and compared. */
import { Command, Option } from 'commander';
import { join } from 'node:path';
import { projectRoot } from '../../core/fs/project.ts';
import { inspect } from '../../core/inspect/inspect.ts';
import { extractBrickArchive } from '../../core/archive/brick-archive.ts';
import { EXIT } from '../../core/errors.ts';
import { Progress } from '../shared/progress.ts';
import { onInterrupt, positiveInt } from '../shared/run.ts';
import type { Catalog } from '../../core/index/catalog.ts';
import { printJson, printText } from './report.ts';

/** The bundled example: a damaged 2+1 brick set written by real GlusterFS. */
const EXAMPLE = join(projectRoot(), 'testdata', 'ec-2p1-broken-handles.tar.gz');

interface InspectFlags { db?: string; resume?: boolean; layout?: string; volinfo?: string; json?: boolean; jobs: number; example?: boolean }

export function inspectCommand(): Command {
  return new Command('inspect')
    .description('scan bricks, decode every xattr, check the .glusterfs tree and compare the bricks of each set')
    .argument('[bricks...]', 'brick directories, in volume order (as given to gluster volume create)')
    .option('--db <file>', 'keep the catalog in this SQLite file (default: a temp file removed at exit)')
    .option('--resume', 'continue an interrupted scan kept with --db')
    .addOption(new Option('--layout <layout>', 'disperse:K+R, replica:N[:arbiter] or distribute').conflicts('example'))
    .option('--volinfo <dir>', "glusterd's vols/NAME folder (or its info file): layout and brick order")
    .option('--json', 'JSON Lines: one object per finding, then a summary')
    .option('--jobs <n>', 'directories read at once', positiveInt('--jobs'), 8)
    .option('--example', 'inspect the bundled example (a damaged 2+1 set made by real GlusterFS)')
    .action(async (bricks: string[], flags: InspectFlags) => {
      const example = flags.example ? extractBrickArchive(EXAMPLE) : null;
      const progress = new Progress();
      let catalog: Catalog | null = null;
      const stopListening = onInterrupt(() => {
        progress.done();
        catalog?.close();
        example?.remove();
        return flags.db ? `the catalog ${flags.db} keeps the scan so far: rerun with --resume` : undefined;
      });
      try {
        const result = await inspect({
          bricks: example ? example.bricks : bricks,
          db: flags.db ?? null,
          resume: Boolean(flags.resume),
          layout: { layout: flags.layout, volinfo: example?.volinfo ?? flags.volinfo },
          jobs: flags.jobs,
          onProgress: (p) => progress.update((s) => `brick ${p.brick}: ${p.phase}: ${p.entries} entries, ${p.handles} handles (${Math.round(p.entries / Math.max(s, 0.001))}/s)`),
          onPass: (title) => progress.update(() => title),
          onCatalog: (c) => { catalog = c; },
        });
        progress.done();
        const out = (line: string) => process.stdout.write(`${line}\n`);
        try {
          if (flags.json) printJson(result, out);
          else printText(result, out);
        } finally {
          result.catalog.close();
        }
        process.exitCode = result.counts.error + result.counts.warning > 0 ? EXIT.uncorrected : EXIT.clean;
      } finally {
        stopListening();
        progress.done();
        example?.remove();
      }
    });
}
