/**
 * `gfsck heal [--sources] BRICK...`: the heal plan of every entry, with the why (read-only);
 * `gfsck heal --apply BRICK...` executes that plan; `gfsck heal --undo JOURNAL` reverts it.
 */
import { policyOption, quorumOption, type Policy } from '../shared/replica-options.ts';
import { Command, Option } from 'commander';
import { EXIT, GfsckError } from '../../core/errors.ts';
import { escapeName } from '../../core/fs/names.ts';
import { LineSpool } from '../../core/index/spool.ts';
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
        if (flags.apply) {
          if (run.shape.layout.kind === 'distribute') {
            throw new GfsckError('usage', 'gfsck heal --apply heals disperse and replica sets; a plain distribute volume has no second copy to heal from');
          }
          await applyPlan(run, flags, progress, out);
          return;
        }
        const counts = { healthy: 0, heal: 0, repairable: 0, unrecoverable: 0, conflict: 0 } satisfies Record<EntryStatus, number>;
        // Text groups the entries by status under a header known only at the end: they wait on disk.
        const grouped = flags.json ? null : new LineSpool(run.catalog.db);
        for await (const plan of run.entries()) {
          counts[plan.verdict.status]++;
          if (plan.verdict.status === 'healthy') continue;
          if (grouped) for (const line of entryLines(run, plan)) grouped.add(SHOWN.indexOf(plan.verdict.status), line);
          else out(entryJson(run, plan));
        }
        progress.done();
        if (grouped) printText(run, grouped, counts, bricks, flags, out);
        else printJsonSummary(run, counts, out);
        process.exitCode = counts.healthy < total(counts) ? EXIT.uncorrected : EXIT.clean;
      } finally {
        stopListening();
        progress.done();
        await run?.close();
      }
    });
}

const total = (counts: Record<EntryStatus, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

/** `--apply`: the plan streamed through the executor; what it leaves is listed after the healed entries. */
async function applyPlan(run: HealPlanRun, flags: HealFlags, progress: Progress, out: (l: string) => void): Promise<void> {
  const started = Date.now();
  const { executeHeal } = await import('../../core/heal/apply.ts');
  const left = new LineSpool(run.catalog.db);
  const result = await executeHeal(run.catalog.db, run.shape, () => run.entries(), flags.journal, Boolean(flags.force), {
    onLeft: (p) => left.add(0, flags.json ? JSON.stringify({ type: 'left', path: escapeName(p.verdict.path), why: p.left }) : `left ${escapeName(p.verdict.path)}: ${p.left}`),
    onWarning: (w) => process.stderr.write(`gfsck: warning: ${w}\n`),
    onJournal: (file) => {
      progress.done();
      out(flags.json ? JSON.stringify({ type: 'journal', file }) : `journal: ${file}`);
    },
    onBytes: (bytes) => progress.update(() => `healing: ${(bytes / 1048576).toFixed(1)} MiB rewritten, ${(bytes / 1048576 / Math.max((Date.now() - started) / 1000, 0.001)).toFixed(1)} MiB/s`),
    onEntry: (p, error) => {
      progress.done();
      const path = escapeName(p.verdict.path);
      if (flags.json) out(JSON.stringify({ type: 'entry', path, status: error ? 'failed' : 'healed', error }));
      else out(error ? `FAILED ${path}: ${error}` : `healed ${path}`);
    },
  });
  progress.done();
  for (const line of left.lines(0)) out(line);
  const leftCount = left.count(0);
  if (!result) {
    out(flags.json ? JSON.stringify({ type: 'summary', apply: true, healed: 0, failed: 0, left: leftCount }) : `nothing to heal${leftCount > 0 ? `; ${entryCount(leftCount)} left` : ''}`);
    process.exitCode = leftCount > 0 ? EXIT.uncorrected : EXIT.clean;
    return;
  }
  const seconds = (Date.now() - started) / 1000;
  if (flags.json) {
    out(JSON.stringify({ type: 'summary', apply: true, healed: result.done, failed: result.failed, left: leftCount, bytes: result.bytes, seconds, journal: result.journal }));
  } else {
    out('');
    out(`${entryCount(result.done)} healed, ${result.failed} failed, ${leftCount} left; ${(result.bytes / 1048576).toFixed(1)} MiB of ${run.shape.layout.kind === 'disperse' ? 'fragments' : 'data'} rewritten in ${seconds.toFixed(1)} s`);
    out(`undo journal: ${result.journal} (gfsck heal --undo ${result.journal})`);
  }
  process.exitCode = result.failed + leftCount > 0 ? EXIT.uncorrected : EXIT.corrected;
}

/** One entry of the human report: its line, its reasons, its actions. */
function entryLines(run: HealPlanRun, p: EntryPlan): string[] {
  const set = run.shape.sets[p.verdict.set]!.bricks;
  const { sources, sinks } = sourcesAndSinks(p);
  const who = `${sources.length > 0 ? `  sources ${sources.map((m) => brickLabel(set[m]!)).join(',')}` : ''}${sinks.length > 0 ? `  sinks ${sinks.map((m) => brickLabel(set[m]!)).join(',')}` : ''}`;
  return [
    `  ${escapeName(p.verdict.path)}  ${p.verdict.gfid ?? 'no gfid'}${who}`,
    ...p.verdict.reasons.map((r) => `      ${r}`),
    ...p.actions.map((a) => `      -> ${describeAction(a, set)}`),
    ...(p.left && !p.verdict.reasons.includes(p.left) ? [`      left: ${p.left}`] : []),
  ];
}

function printText(run: HealPlanRun, grouped: LineSpool, counts: Record<EntryStatus, number>, bricks: string[], flags: HealFlags, out: (l: string) => void): void {
  out(`gfsck heal: ${run.shape.roots.length} bricks, ${run.layoutText}`);
  const how = { bricks, layout: { volinfo: flags.volinfo, layout: flags.layout, quorum: flags.quorum }, trustFragments: flags.trustFragments, policy: flags.policy };
  for (const line of setVerdictLines(run.summaries, run.shape, how)) out(line);
  for (const [rank, status] of SHOWN.entries()) {
    if (counts[status] === 0) continue;
    out('');
    out(`${TITLES[status]} (${counts[status]}):`);
    for (const line of grouped.lines(rank)) out(line);
  }
  out('');
  const all = total(counts);
  out(`${all} entries: ${counts.healthy} healthy, ${counts.heal} to heal, ${counts.repairable} repairable, ` +
    `${counts.unrecoverable} unrecoverable, ${counts.conflict} in conflict${counts.healthy < all ? '; nothing was changed' : ''}`);
}

function entryJson(run: HealPlanRun, p: EntryPlan): string {
  const set = run.shape.sets[p.verdict.set]!.bricks;
  const label = (ms: number[]) => ms.map((m) => brickLabel(set[m]!));
  const { sources, sinks } = sourcesAndSinks(p);
  return JSON.stringify({
    type: 'entry', path: escapeName(p.verdict.path), gfid: p.verdict.gfid, set: p.verdict.set, status: p.verdict.status,
    sources: label(sources), sinks: label(sinks), reasons: p.verdict.reasons,
    actions: p.actions.map((a) => ({ op: a.op, text: describeAction(a, set) })), left: p.left,
  });
}

function printJsonSummary(run: HealPlanRun, counts: Record<EntryStatus, number>, out: (l: string) => void): void {
  const all = total(counts);
  out(JSON.stringify({
    type: 'summary', layout: run.layoutText, entries: all, healthy: counts.healthy,
    heal: counts.heal, repairable: counts.repairable, unrecoverable: counts.unrecoverable, conflict: counts.conflict,
    sets: run.summaries.map((s) => setVerdictJson(s, run.shape)),
  }));
}
