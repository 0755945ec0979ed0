/** `--undo JOURNAL` for every command that repairs (rebuild --handles, heal --apply): one output, one exit rule. */
import { EXIT, GfsckError } from '../../core/errors.ts';
import { escapeName } from '../../core/fs/names.ts';
import { undoRepair } from '../../core/repair/session.ts';

export interface UndoFlags {
  undo?: string;
  apply?: boolean;
  journal?: string;
  force?: boolean;
  json?: boolean;
}

/** `--undo JOURNAL`: replays a repair's journal backwards, printing what was reverted and what could not be. */
export function runUndo(bricks: string[], flags: UndoFlags, out: (line: string) => void): number {
  if (bricks.length > 0) throw new GfsckError('usage', '--undo takes no bricks: the journal names them');
  if (flags.apply || flags.journal !== undefined) throw new GfsckError('usage', '--undo cannot be combined with --apply or --journal');
  let lastStep = '';
  const result = undoRepair(flags.undo!, Boolean(flags.force), (step) => {
    if (step === lastStep) return;
    lastStep = step;
    if (!flags.json) out(`undone: ${step}`);
  });
  for (const w of result.warnings) process.stderr.write(`gfsck: warning: ${w}\n`);
  for (const c of result.conflicts) {
    out(flags.json ? JSON.stringify({ type: 'conflict', ...c }) : `NOT UNDONE ${c.op} ${c.path} (${c.step}): ${c.why}`);
  }
  if (flags.json) {
    out(JSON.stringify({ type: 'summary', journal: result.info.file, bricks: result.info.bricks, reverted: result.reverted, conflicts: result.conflicts.length }));
  } else {
    out('');
    out(`${result.reverted} change(s) reverted on ${result.info.bricks.map((b) => escapeName(Buffer.from(b))).join(', ')}, ${result.conflicts.length} could not be`);
  }
  return result.conflicts.length > 0 ? EXIT.uncorrected : EXIT.clean;
}
