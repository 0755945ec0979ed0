/**
 * `gfsck heal [--sources] BRICK...`: the heal plan of every entry, with the why (read-only);
 * `gfsck heal --apply BRICK...` executes that plan; `gfsck heal --undo JOURNAL` reverts it.
 */
import { policyOption, quorumOption, type Policy } from '../shared/replica-options.ts';
import { Command, Option } from 'commander';
import { EXIT, GfsckError } from '../../core/errors.ts';
import { escapeName } from '../../core/fs/names.ts';
import { openHealPlan, type HealPlanRun } from '../../core/heal/heal.ts';
import { describeAction, sourcesAndSinks, type EntryPlan } from '../../core/heal/plan.ts';
import { entryCount, setVerdictJson, setVerdictLines } from '../../core/heal/set-verdict.ts';
import type { EntryStatus } from '../../core/heal/verdict.ts';
import { brickLabel } from '../../core/volume/copies.ts';
import { Progress } from '../shared/progress.ts';
import { onInterrupt, positiveInt } from '../shared/run.ts';
import { runUndo } from '../shared/undo.ts';

export interface HealFlags {
  sources?: boolean;
  apply?: boolean;
  undo?: string;
  json?: boolean;
  trustFragments?: boolean;
  verifyData?: boolean;
  journal?: string;
  force?: boolean;
  db?: string;
  resume?: boolean;
  layout?: string;
  volinfo?: string;
  quorum?: string;
  policy?: Policy;
  jobs: number;
}

const SHOWN: EntryStatus[] = ['heal', 'repairable', 'unrecoverable', 'conflict'];
const TITLES: Record<EntryStatus, string> = {
  healthy: 'healthy',
  heal: 'to heal',
  repairable: 'GlusterFS cannot heal these; gfsck can repair them',
  unrecoverable: 'unrecoverable: fewer than K consistent fragments',
  conflict: 'conflicts: nothing says which copy is right',
};

export function healCommand(): Command {
  return new Command('heal')
    .description('which bricks of each set are good and why (--sources, the default), and the offline heal (--apply)')
    .argument('[bricks...]', 'brick directories, in volume order')
    .option('--sources', 'print the heal plan: per entry its sources, sinks and why (read-only; the default)')
    .option('--apply', 'execute the plan --sources prints, every change recorded in an undo journal first (volume stopped)')
    .option('--undo <journal>', 'undo a heal: replay its journal backwards (the bricks are named in the journal)')
    .option('--journal <file>', 'with --apply: the undo journal to write (default: /var/lib/gfsck/journals/, else the current directory)')
    .option('--force', 'with --apply or --undo: write even to bricks a running glusterfsd serves (risky: see docs/heal.md)')
    .option('--json', 'JSON Lines: one object per entry to heal, then a summary')
    .option('--trust-fragments', 'for files a client crash left longer than trusted.ec.size: keep everything the fragments hold')
    .option('--verify-data', 'read every fragment of files with more than K sources and check them against each other (bitrot, torn writes)')
    .option('--db <file>', 'keep the catalog in this SQLite file (default: a temp file removed at exit)')
    .option('--resume', 'reuse the bricks already scanned into --db')
    .addOption(new Option('--layout <layout>', 'disperse:K+R, replica:N[:arbiter] or distribute'))
    .option('--volinfo <dir>', "glusterd's vols/NAME folder (or its info file): layout and brick order")
    .addOption(quorumOption())
    .addOption(policyOption('the copy to keep; without one a split-brain is reported, not healed'))
    .option('--jobs <n>', 'directories read at once', positiveInt('--jobs'), 8)
    .action(async (bricks: string[], flags: HealFlags) => {
      const out = (line: string) => process.stdout.write(`${line}\n`);
      if (flags.undo !== undefined) {
        process.exitCode = runUndo(bricks, flags, out);
        return;
      }
      if (flags.apply && flags.sources) throw new GfsckError('usage', '--sources prints the plan, --apply executes it: give one');
      if (flags.journal !== undefined && !flags.apply) throw new GfsckError('usage', '--journal needs --apply (--sources writes nothing)');
      if (flags.force && !flags.apply) throw new GfsckError('usage', '--force needs --apply or --undo');
      if (bricks.length === 0) throw new GfsckError('usage', 'no brick directories given');
      const progress = new Progress();
      let run: HealPlanRun | null = null;
      // An open repair session names its journal on an interrupt itself (cmd/shared/run.ts).
      const stopListening = onInterrupt(() => {
        progress.done();
        run?.catalog.close();
        return flags.db ? `the catalog ${flags.db} keeps the scan so far: rerun with --resume` : undefined;
      });
      try {
        run = await openHealPlan({
          bricks, db: flags.db ?? null, resume: Boolean(flags.resume), layout: { layout: flags.layout, volinfo: flags.volinfo, quorum: flags.quorum },
          jobs: flags.jobs, trustFragments: Boolean(flags.trustFragments), policy: flags.policy ?? null,
          verifyData: flags.verifyData ? (bytes) => progress.update((s) => `verifying data: ${(bytes / 1048576).toFixed(0)} MiB, ${(bytes / 1048576 / Math.max(s, 0.001)).toFixed(0)} MiB/s`) : undefined,
          onScan: (p) => progress.update(() => `brick ${p.brick}: ${p.phase}: ${p.entries} entries`),
        });
        progress.update(() => 'judging every entry');
        const shown: EntryPlan[] = [];
        let total = 0;
        for await (const plan of run.entries()) {
          total++;
          if (plan.verdict.status !== 'healthy') shown.push(plan);
        }
        progress.done();
        if (flags.apply && run.shape.layout.kind === 'distribute') {
          throw new GfsckError('usage', 'gfsck heal --apply heals disperse and replica sets; a plain distribute volume has no second copy to heal from');
        }
        if (flags.apply) {
          const todo = shown.filter((p) => p.actions.length > 0);
          const left = shown.filter((p) => p.left !== null);
          if (todo.length === 0) {
            for (const p of left) out(flags.json ? JSON.stringify({ type: 'left', path: escapeName(p.verdict.path), why: p.left }) : `left ${escapeName(p.verdict.path)}: ${p.left}`);
            out(flags.json ? JSON.stringify({ type: 'summary', apply: true, healed: 0, failed: 0, left: left.length }) : `nothing to heal${left.length > 0 ? `; ${entryCount(left.length)} left` : ''}`);
            process.exitCode = left.length > 0 ? EXIT.uncorrected : EXIT.clean;
            return;
          }
          const started = Date.now();
          const { HealExecutor } = await import('../../core/heal/apply.ts');
          const executor = new HealExecutor(run.catalog.db, run.shape, flags.journal, Boolean(flags.force), {
            onWarning: (w) => process.stderr.write(`gfsck: warning: ${w}\n`),
            onJournal: (file) => out(flags.json ? JSON.stringify({ type: 'journal', file }) : `journal: ${file}`),
            onBytes: (bytes) => progress.update(() => `healing: ${(bytes / 1048576).toFixed(1)} MiB rewritten, ${(bytes / 1048576 / Math.max((Date.now() - started) / 1000, 0.001)).toFixed(1)} MiB/s`),
            onEntry: (p, error) => {
              progress.done();
              const path = escapeName(p.verdict.path);
              if (flags.json) out(JSON.stringify({ type: 'entry', path, status: error ? 'failed' : 'healed', error }));
              else out(error ? `FAILED ${path}: ${error}` : `healed ${path}`);
            },
          });
          const result = await executor.run(todo);
          progress.done();
          for (const p of left) out(flags.json ? JSON.stringify({ type: 'left', path: escapeName(p.verdict.path), why: p.left }) : `left ${escapeName(p.verdict.path)}: ${p.left}`);
          const seconds = (Date.now() - started) / 1000;
          if (flags.json) {
            out(JSON.stringify({ type: 'summary', apply: true, healed: result.done, failed: result.failed, left: left.length, bytes: result.bytes, seconds, journal: result.journal }));
          } else {
            out('');
            out(`${entryCount(result.done)} healed, ${result.failed} failed, ${left.length} left; ${(result.bytes / 1048576).toFixed(1)} MiB of ${run.shape.layout.kind === "disperse" ? "fragments" : "data"} rewritten in ${seconds.toFixed(1)} s`);
            out(`undo journal: ${result.journal} (gfsck heal --undo ${result.journal})`);
          }
          process.exitCode = result.failed + left.length > 0 ? EXIT.uncorrected : EXIT.corrected;
          return;
        }
        if (flags.json) printJson(run, shown, total, out);
        else printText(run, shown, total, bricks, flags, out);
        process.exitCode = shown.length > 0 ? EXIT.uncorrected : EXIT.clean;
      } finally {
        stopListening();
        progress.done();
        await run?.close();
      }
    });
}

function printText(run: HealPlanRun, shown: EntryPlan[], total: number, bricks: string[], flags: HealFlags, out: (l: string) => void): void {
  out(`gfsck heal: ${run.shape.roots.length} bricks, ${run.layoutText}`);
  const how = { bricks, layout: { volinfo: flags.volinfo, layout: flags.layout, quorum: flags.quorum }, trustFragments: flags.trustFragments, policy: flags.policy };
  for (const line of setVerdictLines(run.summaries, run.shape, how)) out(line);
  for (const status of SHOWN) {
    const group = shown.filter((p) => p.verdict.status === status);
    if (group.length === 0) continue;
    out('');
    out(`${TITLES[status]} (${group.length}):`);
    for (const p of group) {
      const set = run.shape.sets[p.verdict.set]!.bricks;
      const { sources, sinks } = sourcesAndSinks(p);
      const who = `${sources.length > 0 ? `  sources ${sources.map((m) => brickLabel(set[m]!)).join(',')}` : ''}${sinks.length > 0 ? `  sinks ${sinks.map((m) => brickLabel(set[m]!)).join(',')}` : ''}`;
      out(`  ${escapeName(p.verdict.path)}  ${p.verdict.gfid ?? 'no gfid'}${who}`);
      for (const r of p.verdict.reasons) out(`      ${r}`);
      for (const a of p.actions) out(`      -> ${describeAction(a, set)}`);
      if (p.left && !p.verdict.reasons.includes(p.left)) out(`      left: ${p.left}`);
    }
  }
  out('');
  const count = (s: EntryStatus) => shown.filter((p) => p.verdict.status === s).length;
  out(`${total} entries: ${total - shown.length} healthy, ${count('heal')} to heal, ${count('repairable')} repairable, ` +
    `${count('unrecoverable')} unrecoverable, ${count('conflict')} in conflict${shown.length > 0 ? '; nothing was changed' : ''}`);
}

function printJson(run: HealPlanRun, shown: EntryPlan[], total: number, out: (l: string) => void): void {
  for (const p of shown) {
    const set = run.shape.sets[p.verdict.set]!.bricks;
    const label = (ms: number[]) => ms.map((m) => brickLabel(set[m]!));
    const { sources, sinks } = sourcesAndSinks(p);
    out(JSON.stringify({
      type: 'entry', path: escapeName(p.verdict.path), gfid: p.verdict.gfid, set: p.verdict.set, status: p.verdict.status,
      sources: label(sources), sinks: label(sinks), reasons: p.verdict.reasons,
      actions: p.actions.map((a) => ({ op: a.op, text: describeAction(a, set) })), left: p.left,
    }));
  }
  const count = (s: EntryStatus) => shown.filter((p) => p.verdict.status === s).length;
  out(JSON.stringify({
    type: 'summary', layout: run.layoutText, entries: total, healthy: total - shown.length,
    heal: count('heal'), repairable: count('repairable'), unrecoverable: count('unrecoverable'), conflict: count('conflict'),
    sets: run.summaries.map((s) => setVerdictJson(s, run.shape)),
  }));
}
