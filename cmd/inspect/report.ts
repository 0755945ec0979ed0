/** Rendering an inspection: the human report and JSON Lines. */
import type { Inspection } from '../../core/inspect/inspect.ts';
import { allFindings, brickSummaries, findingsByCode } from '../../core/check/findings.ts';
import { describeLayout } from '../../core/volume/layout.ts';
import { table } from '../shared/table.ts';

const EXAMPLES = 5;

export function printText(result: Inspection, out: (line: string) => void): void {
  const { layout, counts, catalog } = result;
  const bricks = brickSummaries(catalog);
  out(`Volume: ${describeLayout(layout)}${layout.volumeName ? ` "${layout.volumeName}"` : ''} (layout from ${layout.source}), ${bricks.length} brick(s) in ${result.sets.length} set(s)`);
  out('');
  out(table(['#', 'brick', 'set', 'entries', 'handles', 'heal-index', 'errors', 'warnings'],
    bricks.map((b) => [b.position, b.root, `${b.set}.${b.member}`, b.entries, b.handles, b.pendingHeals, b.errors, b.warnings]),
    [3, 4, 5, 6, 7]));
  out('');
  const groups = findingsByCode(catalog, EXAMPLES);
  const position = new Map(bricks.map((b) => [b.root, `#${b.position}`]));
  if (groups.length === 0) {
    out('No problems found.');
    return;
  }
  out(`Findings: ${counts.error} error(s), ${counts.warning} warning(s), ${counts.info} note(s)`);
  for (const g of groups) {
    out('');
    out(`${g.severity.toUpperCase()} ${g.code} (${g.count})   fix: ${g.examples[0]!.fix}`);
    out(table(['brick', 'gfid', 'message'], g.examples.map((f) => [f.brick ? position.get(f.brick)! : 'set', f.gfid ?? '-', f.message]))
      .split('\n').map((l) => `  ${l}`).join('\n'));
    if (g.count > EXAMPLES) out(`  … and ${g.count - EXAMPLES} more (--json lists all)`);
  }
}

export function printJson(result: Inspection, out: (line: string) => void): void {
  for (const f of allFindings(result.catalog)) {
    out(JSON.stringify({ type: 'finding', code: f.code, severity: f.severity, brick: f.brick, path: f.path, gfid: f.gfid, message: f.message, fix: f.fix, fixBy: f.fixBy, detail: f.detail ?? undefined }));
  }
  out(JSON.stringify({
    type: 'summary', layout: describeLayout(result.layout), layoutSource: result.layout.source, volume: result.layout.volumeName,
    bricks: brickSummaries(result.catalog), errors: result.counts.error, warnings: result.counts.warning, info: result.counts.info,
  }));
}
