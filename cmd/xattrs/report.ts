/** Rendering an xattr audit: a table per entry and set, one column per brick; or JSON Lines. */
import { escapeName } from '../../core/fs/names.ts';
import { entryCount } from '../../core/heal/set-verdict.ts';
import { brickLabel } from '../../core/volume/copies.ts';
import { describeLayout } from '../../core/volume/layout.ts';
import { agrees, type BrickXattrs, type EntryAudit, type XattrAudit } from '../../core/xattr/audit.ts';
import { decodedToJson } from '../../core/xattr/decode.ts';
import { describeXattr } from '../../core/xattr/describe.ts';
import { table } from '../shared/table.ts';

const DIFFERS = '*';
/** xattr names are bytes (latin1 strings): printed escaped, like every name. */
const nameText = (name: string) => escapeName(Buffer.from(name, 'latin1'));
const holds = (b: BrickXattrs) => b.missing === null && b.unreadable === null;

function layoutLine(audit: XattrAudit): string {
  if (!audit.layout) return `Layout unknown (${audit.layoutUnknown}): the given bricks are compared side by side`;
  return `Volume: ${describeLayout(audit.layout)} (layout from ${audit.layout.source})`;
}

export function printText(audit: XattrAudit, roots: string[], out: (line: string) => void): void {
  out(layoutLine(audit));
  for (const [i, root] of roots.entries()) out(`  ${brickLabel(i)} ${escapeName(root)}`);
  for (const entry of audit.entries) {
    out('');
    printEntry(entry, out);
  }
  const agreeing = audit.entries.filter(agrees).length;
  out('');
  out(`${entryCount(audit.entries.length)}: ${agreeing} the bricks agree on, ${audit.entries.length - agreeing} they do not`);
}

function printEntry(entry: EntryAudit, out: (line: string) => void): void {
  const shown = entry.path ? escapeName(entry.path) : '(no name)';
  const asked = escapeName(entry.id) === shown ? '' : ` (${escapeName(entry.id)})`;
  out(`${shown}${asked}  gfid ${entry.gfid ?? 'none'}  ${entry.set ? `set ${entry.set.index}` : 'all given bricks'}`);
  const rows = [entryRow(entry), ...entry.names.flatMap((name) => xattrRows(entry, name))];
  // The marker column's header is a space: one character wide even when nothing differs.
  out(table([' ', 'xattr', ...entry.bricks.map((b) => brickLabel(b.brick))], rows).split('\n').map((l) => `  ${l}`).join('\n'));
  const problems = [
    entry.differs.length > 0 ? `differs: ${entry.differs.map(nameText).join(', ')}` : '',
    entry.malformed.length > 0 ? `undecodable: ${entry.malformed.map(nameText).join(', ')}` : '',
    entry.missingOn.length > 0 ? `missing on ${entry.missingOn.map(brickLabel).join(', ')}` : '',
    entry.unreadableOn.length > 0 ? `unreadable on ${entry.unreadableOn.map(brickLabel).join(', ')}` : '',
  ].filter(Boolean);
  out(`  ${problems.length === 0 ? 'the bricks agree' : problems.join('; ')}`);
}

/** What each brick holds at the entry's place: its type, or why there is nothing. */
function entryRow(entry: EntryAudit): string[] {
  const cells = entry.bricks.map((b) => {
    if (b.missing !== null) return `MISSING: ${b.missing}`;
    if (b.unreadable !== null) return `UNREADABLE: ${b.unreadable}`;
    return `${b.type}${b.note ? ` (${b.note})` : ''}`;
  });
  const marked = entry.missingOn.length > 0 || entry.unreadableOn.length > 0 || new Set(cells).size > 1;
  return [marked ? DIFFERS : '', '(entry)', ...cells];
}

/**
 * One row per field of the value (mdata: ctime, mtime, atime, flags), keyed by field so
 * that each brick's time lines up with the others'. A field row is marked where its texts
 * differ; an xattr that differs with every field alike (past the hex shown) marks its first.
 */
function xattrRows(entry: EntryAudit, name: string): string[][] {
  const described = entry.bricks.map((b) => {
    if (!holds(b)) return null;
    const record = b.xattrs.find((x) => x.name === name);
    return record ? describeXattr(record) : 'absent';
  });
  const fields = [...new Set(described.flatMap((d) => (d && d !== 'absent' ? d.map((f) => f.field) : [])))];
  const rows = fields.map((field, i) => {
    const cells = described.map((d) => {
      if (d === null) return '';
      if (d === 'absent') return i === 0 ? '(absent)' : '';
      return d.find((f) => f.field === field)?.text ?? '';
    });
    const present = cells.filter((_, b) => described[b] !== null);
    return { label: field === null ? nameText(name) : `${nameText(name)} ${field}`, cells, differs: new Set(present).size > 1 };
  });
  if (entry.differs.includes(name) && !rows.some((r) => r.differs)) rows[0]!.differs = true;
  return rows.map((r) => [r.differs ? DIFFERS : '', r.label, ...r.cells]);
}

export function printJson(audit: XattrAudit, roots: string[], out: (line: string) => void): void {
  for (const entry of audit.entries) out(JSON.stringify(entryJson(entry)));
  const agreeing = audit.entries.filter(agrees).length;
  out(JSON.stringify({
    type: 'summary', layout: audit.layout ? describeLayout(audit.layout) : null, layoutSource: audit.layout?.source ?? null,
    layoutUnknown: audit.layoutUnknown, bricks: roots, entries: audit.entries.length, agree: agreeing, disagree: audit.entries.length - agreeing,
  }));
}

function entryJson(entry: EntryAudit) {
  return {
    type: 'entry', id: escapeName(entry.id), path: entry.path ? escapeName(entry.path) : null, gfid: entry.gfid, set: entry.set?.index ?? null,
    agree: agrees(entry), differs: entry.differs.map(nameText), malformed: entry.malformed.map(nameText),
    missingOn: entry.missingOn.map(brickLabel), unreadableOn: entry.unreadableOn.map(brickLabel),
    bricks: entry.bricks.map((b) => ({
      brick: brickLabel(b.brick), root: escapeName(b.root), file: b.file ? escapeName(b.file) : null, type: b.type,
      missing: b.missing, unreadable: b.unreadable, note: b.note,
      xattrs: Object.fromEntries(b.xattrs.map((x) => [nameText(x.name), { hex: x.value.toString('hex'), ...decodedToJson(x.decoded) }])),
    })),
  };
}
