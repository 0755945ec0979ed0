/**
 * Rendering an inspection. The human report opens with the verdict per set (the one heal
 * --sources prints), then lists each finding once per entry, naming the bricks it was found
 * on. JSON Lines keep one object per brick finding, for scripts, then a summary.
 */
import type { Inspection } from '../../core/inspect/inspect.ts';
import { allFindings, brickSummaries, entriesWithFindings, findingsByCode, type EntryFindings } from '../../core/check/findings.ts';
import type { SetSummary } from '../../core/heal/plan.ts';
import { describeSet, partialSets, setVerdictJson, setVerdictLines, type HealInvocation } from '../../core/heal/set-verdict.ts';
import { brickLabel } from '../../core/volume/copies.ts';
import { describeLayout } from '../../core/volume/layout.ts';
import { layoutOrigin } from '../../core/volume/resolve.ts';
import { table } from '../shared/table.ts';

/** Entries shown per code; --json lists every finding. */
const EXAMPLES = 5;

/** What the report says besides the inspection: the sets as heal judges them, and how the bricks were named. */
export interface ReportContext {
  summaries: SetSummary[];
  how: HealInvocation;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export function printText(result: Inspection, context: ReportContext, out: (line: string) => void): void {
  const { layout, counts, catalog, shape } = result;
  const bricks = brickSummaries(catalog);
  const name = layout.volumeName ? ` "${layout.volumeName}"` : '';
  out(`Volume${name}: ${describeLayout(layout)}, ${layoutOrigin(layout, context.how.layout)}; ${plural(bricks.length, 'brick')} in ${plural(result.sets.length, 'set')}.`);
  for (const line of setVerdictLines(context.summaries, shape, context.how)) out(line);
  out('');
  out(table(['#', 'brick', 'set', 'entries', 'handles', 'heal-index', 'errors', 'warnings'],
    bricks.map((b) => [b.position, b.root, `${b.set}.${b.member}`, b.entries, b.handles, b.pendingHeals, b.errors, b.warnings]),
    [3, 4, 5, 6, 7]));
  out('');
  const groups = findingsByCode(catalog, EXAMPLES);
  const label = new Map(bricks.map((b) => [b.root, brickLabel(b.position)]));
  if (groups.length === 0) {
    out(noProblems(context.summaries, result));
    return;
  }
  out(`Findings: ${plural(counts.error, 'error')}, ${plural(counts.warning, 'warning')}, ${plural(counts.info, 'note')}, about ${plural(entriesWithFindings(catalog), 'entry', 'entries')} (one per entry and brick)`);
  for (const g of groups) {
    out('');
    const perBrick = g.findings > g.entries ? `, ${g.findings} brick findings` : '';
    out(`${g.severity.toUpperCase()} ${g.code} (${plural(g.entries, 'entry', 'entries')}${perBrick})   fix: ${g.examples[0]!.findings[0]!.fix}`);
    const rows = g.examples.map((e) => entryRow(e, (brick) => (brick ? label.get(brick)! : 'set')));
    out(table(['bricks', 'gfid', 'message'], rows).split('\n').map((l) => `  ${l}`).join('\n'));
    if (g.entries > EXAMPLES) out(`  … and ${g.entries - EXAMPLES} more entries (--json lists every brick finding)`);
  }
}

/** One entry's line: the bricks it was found on, and the message once when the bricks agree on it. */
function entryRow(e: EntryFindings, labelOf: (brick: string | null) => string): string[] {
  const byMessage = new Map<string, string[]>();
  for (const f of e.findings) {
    const on = byMessage.get(f.message) ?? [];
    if (!on.includes(labelOf(f.brick))) on.push(labelOf(f.brick));
    byMessage.set(f.message, on);
  }
  const bricks = [...new Set(e.findings.map((f) => labelOf(f.brick)))];
  const sameBricks = [...byMessage.values()].every((on) => on.length === bricks.length);
  const message = sameBricks
    ? [...byMessage.keys()].join('; ')
    : [...byMessage].map(([m, on]) => `${on.join(',')}: ${m}`).join('; ');
  return [bricks.join(','), e.gfid ?? '-', message];
}

/** The closing line when nothing was found: true of the bricks given, which may not be every brick of a set. */
function noProblems(summaries: SetSummary[], result: Inspection): string {
  const partial = partialSets(summaries);
  if (partial.length === 0) return 'No problems found.';
  return `No problems found on the bricks given, but not on whole sets: ${partial.map((s) => describeSet(s, result.shape)).join('; ')}. Give all of a set's bricks, in volume order, to compare them.`;
}

export function printJson(result: Inspection, context: ReportContext, out: (line: string) => void): void {
  for (const f of allFindings(result.catalog)) {
    out(JSON.stringify({ type: 'finding', code: f.code, severity: f.severity, brick: f.brick, path: f.path, gfid: f.gfid, message: f.message, fix: f.fix, fixBy: f.fixBy, detail: f.detail ?? undefined }));
  }
  out(JSON.stringify({
    type: 'summary', layout: describeLayout(result.layout), layoutSource: result.layout.source, layoutFrom: layoutOrigin(result.layout, context.how.layout),
    volume: result.layout.volumeName, bricks: brickSummaries(result.catalog), sets: context.summaries.map((s) => setVerdictJson(s, result.shape)),
    errors: result.counts.error, warnings: result.counts.warning, info: result.counts.info,
  }));
}
