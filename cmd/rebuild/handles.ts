/**
 * `gfsck rebuild --handles [--apply] BRICK...` and `gfsck rebuild --undo JOURNAL`: the
 * command-line side of core/repair (flags, output lines, exit codes).
 */
import { Option, type Command } from 'commander';
import { EXIT, GfsckError } from '../../core/errors.ts';
import { repairHandles, type RepairEvent } from '../../core/repair/handles.ts';
import type { LeftItem, PlannedAction } from '../../core/repair/handle-plan.ts';
import { Progress } from '../shared/progress.ts';
import { positiveInt } from '../shared/run.ts';
import { runUndo } from '../shared/undo.ts';

export interface HandleFlags {
  handles?: boolean;
  undo?: string;
  apply?: boolean;
  force?: boolean;
  adopt?: string;
  journal?: string;
  db?: string;
  layout?: string;
  volinfo?: string;
  json?: boolean;
  jobs?: number;
}

/** Options `rebuild --out` may declare too: whichever mode registers first owns the flag. */
function addShared(cmd: Command, option: Option): void {
  if (!cmd.options.some((o) => o.long === option.long)) cmd.addOption(option);
}

export function addHandleOptions(cmd: Command): void {
  cmd
    .option('--handles', 'repair the .glusterfs handle tree of the bricks (lists the repairs; --apply makes them)')
    .option('--undo <journal>', 'undo a repair: replay its journal backwards (the bricks are named in the journal)')
    .option('--apply', 'with --handles: make the repairs, each recorded in the undo journal first')
    .option('--adopt <dir>', 'with --handles: save orphan handles into this folder (outside the bricks) with a manifest')
    .option('--journal <file>', 'with --apply: the undo journal to write (default: /var/lib/gfsck/journals/, else the current directory)');
  addShared(cmd, new Option('--force', 'write even to bricks a running glusterfsd serves (risky: see docs/repair.md)'));
  addShared(cmd, new Option('--db <file>', 'keep the catalog of the inspection in this SQLite file'));
  addShared(cmd, new Option('--layout <layout>', 'disperse:K+R, replica:N[:arbiter] or distribute'));
  addShared(cmd, new Option('--volinfo <dir>', "glusterd's vols/NAME folder (or its info file): layout and brick order"));
  addShared(cmd, new Option('--json', 'JSON Lines: one object per action or leftover, then a summary'));
  addShared(cmd, new Option('--jobs <n>', 'entries read at once while scanning').argParser(positiveInt('--jobs')));
}

export async function runHandles(bricks: string[], flags: HandleFlags): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (flags.undo !== undefined) {
    if (flags.adopt !== undefined) throw new GfsckError('usage', '--undo cannot be combined with --adopt');
    return runUndo(bricks, flags, out);
  }
  if (flags.journal !== undefined && !flags.apply) throw new GfsckError('usage', '--journal needs --apply (a dry run writes nothing)');
  if (bricks.length === 0) throw new GfsckError('usage', 'no brick directories given');
  const progress = new Progress();
  const report = flags.json ? jsonReporter(out) : textReporter(out, Boolean(flags.apply));
  let result;
  try {
    result = await repairHandles({
      bricks, db: flags.db ?? null, layout: { layout: flags.layout, volinfo: flags.volinfo }, jobs: flags.jobs ?? 32,
      apply: Boolean(flags.apply), force: Boolean(flags.force), adopt: flags.adopt ?? null, journal: flags.journal,
      onEvent: (e) => {
        progress.done();
        report(e);
      },
      onProgress: (p) => progress.update(() => `brick ${p.brick}: ${p.phase}: ${p.entries} entries, ${p.handles} handles`),
      onPass: (title) => progress.update(() => title),
    });
  } finally {
    progress.done();
  }
  for (const item of result.left) {
    out(flags.json ? JSON.stringify({ type: 'left', ...item }) : `left ${describeLeft(item)}`);
  }
  const { planned, done, failed, left, journal } = result;
  if (flags.json) {
    out(JSON.stringify({ type: 'summary', apply: Boolean(flags.apply), planned, done, failed, left: left.length, journal }));
  } else {
    out('');
    if (!flags.apply) out(`${planned} repair(s) to make, ${left.length} problem(s) they leave${planned > 0 ? ': nothing was changed; --apply makes them' : ''}`);
    else out(`${done} repair(s) made, ${failed} failed, ${left.length} problem(s) left`);
    if (journal) out(`undo journal: ${journal} (gfsck rebuild --undo ${journal})`);
  }
  if (!flags.apply) return planned === 0 && left.length === 0 ? EXIT.clean : EXIT.uncorrected;
  if (left.length > 0) return EXIT.uncorrected;
  return done > 0 ? EXIT.corrected : EXIT.clean;
}

/** A brick by its label (#N, as every report names it), then its path. */
const describeAction = (a: PlannedAction) => `${a.label} ${a.brick}: ${a.code} ${a.subject}: ${a.text}`;
const describeLeft = (l: LeftItem) => `${l.label === null ? '(set)' : `${l.label} ${l.brick}`}: ${l.code} ${l.subject}: ${l.why}`;

function textReporter(out: (line: string) => void, apply: boolean): (e: RepairEvent) => void {
  return (e) => {
    switch (e.kind) {
      case 'warning': process.stderr.write(`gfsck: warning: ${e.text}\n`); break;
      case 'journal': out(`journal: ${e.file}`); break;
      case 'round': if (e.round > 1) out(`round ${e.round}: the re-inspection found more to repair`); break;
      case 'planned': out(`${apply ? '' : 'would '}${describeAction(e.action)}`); break;
      case 'done': out(`done ${describeAction(e.action)}`); break;
      case 'failed': out(`FAILED ${describeAction(e.action)}: ${e.error}`); break;
    }
  };
}

function jsonReporter(out: (line: string) => void): (e: RepairEvent) => void {
  return (e) => {
    if (e.kind === 'warning' || e.kind === 'journal' || e.kind === 'round') {
      out(JSON.stringify({ type: e.kind, ...(e.kind === 'warning' ? { text: e.text } : e.kind === 'journal' ? { file: e.file } : { round: e.round }) }));
      return;
    }
    const { brick, label, code, subject, text } = e.action;
    out(JSON.stringify({ type: 'action', status: e.kind, brick, label, code, subject, action: text, ...(e.kind === 'failed' ? { error: e.error } : {}) }));
  };
}
