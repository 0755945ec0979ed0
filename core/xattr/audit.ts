/**
 * The xattr audit (`gfsck xattrs`): every xattr of a few entries, read straight from each
 * brick of their set and compared, no catalog and no scan. IDs resolve as `gfsck gfid`
 * resolves them (core/gfid-tree); values decode with the decoders inspect uses (decode.ts).
 */
import { lstatSync } from 'node:fs';
import { GfsckError } from '../errors.ts';
import { joinPath } from '../fs/names.ts';
import { listXattrs } from '../fs/xattr.ts';
import { statFields, type EntryType } from '../brick/entry.ts';
import { handleRelPath } from '../gfid-tree/gfid.ts';
import { canonicalVolumePath, liveResolver, type GfidResolution, type PathResolution } from '../gfid-tree/resolve.ts';
import { QueryResolver, type Query } from '../gfid-tree/query.ts';
import { brickFile } from '../index/copies.ts';
import { brickSets, type BrickSet, type VolumeLayout } from '../volume/layout.ts';
import { layoutOfEntries, type Inference, type LayoutSource } from '../volume/resolve.ts';
import { decodeAll, type XattrRecord } from './decode.ts';

/** One brick's copy of an entry: what was read, or why there was nothing to read. */
export interface BrickXattrs {
  /** Position in volume order. */
  brick: number;
  root: string;
  /** The file read on the brick; null when the entry is not there. */
  file: Buffer | null;
  type: EntryType | null;
  /** Why the entry is not on this brick (`no /a/b`, `no handle`). */
  missing: string | null;
  /** Why reading it failed (an errno code). */
  unreadable: string | null;
  /** How it was reached when not the usual way (a file gfid read through its name: its handle is missing). */
  note: string | null;
  xattrs: XattrRecord[];
}

export interface EntryAudit {
  /** The ID as given. */
  id: string;
  /** The volume path read (null for a gfid no name leads to: its handle was read). */
  path: Buffer | null;
  gfid: string | null;
  /** The set compared; null when the layout is unknown and all given bricks are compared. */
  set: BrickSet | null;
  bricks: BrickXattrs[];
  /** Every xattr name any brick of the set has, sorted. */
  names: string[];
  /** Names whose value or presence is not the same on every brick that holds the entry. */
  differs: string[];
  /** Names whose value does not decode on some brick. */
  malformed: string[];
  /** Bricks of the set without the entry, or whose copy could not be read. */
  missingOn: number[];
  unreadableOn: number[];
}

export interface XattrAudit {
  /** The layout the sets come from, or why the bricks could not tell it (all bricks compared as one group). */
  layout: VolumeLayout | null;
  layoutUnknown: string | null;
  entries: EntryAudit[];
}

/** The bricks agree on an entry: it is on all of them, readable, every value the same and decodable. */
export const agrees = (a: EntryAudit): boolean =>
  a.differs.length === 0 && a.malformed.length === 0 && a.missingOn.length === 0 && a.unreadableOn.length === 0;

type Location = { file: Buffer; note: string | null } | { missing: string };

interface Located { id: string; path: Buffer | null; gfid: string | null; where: Location[] }

export function auditXattrs(roots: string[], queries: Query[], layoutSource: LayoutSource): XattrAudit {
  const answers = new QueryResolver(liveResolver(roots));
  // Every ID is resolved before anything is printed: one that no brick has is bad input.
  const located = queries.map((q) => locate(answers, roots, q));
  const copies = located.map((l) => l.where.map((w, brick) => readCopy(roots[brick]!, brick, w)));
  const rootXattrs = roots.map((r) => decodeAll(listXattrs(r)).map((x) => x.decoded));
  const decoded = copies.flat().map((c) => c.xattrs.map((x) => x.decoded));
  const { layout, sets, why } = setsOf(layoutOfEntries(decoded, rootXattrs, layoutSource, roots.length), roots.length);
  const all: BrickSet = { index: 0, bricks: roots.map((_, i) => i) };
  const entries = located.flatMap((l, i) => (sets ?? [all])
    .filter((set) => set.bricks.some((b) => copies[i]![b]!.missing === null))
    .map((set) => compare(l, sets ? set : null, set.bricks.map((b) => copies[i]![b]!))));
  return { layout, layoutUnknown: why, entries };
}

/**
 * The sets of the layout. A given layout that does not fit the bricks is a usage error, as
 * everywhere; one inferred from a few damaged entries that does not fit them is unknown.
 */
function setsOf(inference: Inference, brickCount: number): { layout: VolumeLayout | null; sets: BrickSet[] | null; why: string | null } {
  if ('why' in inference) return { layout: null, sets: null, why: inference.why };
  try {
    return { layout: inference.layout, sets: brickSets(inference.layout, brickCount), why: null };
  } catch (e) {
    if (inference.layout.source !== 'inferred' || !(e instanceof GfsckError)) throw e;
    return { layout: null, sets: null, why: `inferred ${e.message}` };
  }
}

function locate(answers: QueryResolver, roots: string[], query: Query): Located {
  const answer = answers.answer(query);
  if (answer.kind === 'path') {
    if (!answer.path) throw new GfsckError('operational', `${query.text}: ${answer.reason}`);
    return locatePath(query.text, roots, answer.path);
  }
  return locateGfid(query.text, roots, answer.gfid, answers);
}

function locatePath(id: string, roots: string[], p: PathResolution): Located {
  if (p.bricks.every((b) => b.missing !== null)) throw new GfsckError('operational', `${id}: ${p.reason}`);
  const path = canonicalVolumePath(p.path);
  const where = p.bricks.map((b, i): Location => (b.missing !== null ? { missing: b.missing } : { file: brickFile(Buffer.from(roots[i]!), path), note: null }));
  return { id, path, gfid: p.gfid, where };
}

/**
 * A file's handle is a hard link of its inode, so its xattrs are read there, even for an
 * orphan; a directory's handle is a symlink, so the directory is read at the path the
 * handle chain gives. A brick without a usable handle is read at the name the other bricks
 * give, when the name there carries this gfid.
 */
function locateGfid(id: string, roots: string[], g: GfidResolution, answers: QueryResolver): Located {
  if (g.on.length === 0) throw new GfsckError('operational', `${id}: no brick holds gfid ${g.gfid}`);
  const path = g.paths[0] ?? null;
  const byName = path ? answers.path(path) : null;
  const where = g.bricks.map((b, i): Location => {
    const root = Buffer.from(roots[i]!);
    if (b.found && b.type !== null && b.type !== 'dir') return { file: joinPath(root, Buffer.from(handleRelPath(g.gfid))), note: null };
    if (b.type === 'dir' && b.names[0]) return { file: brickFile(root, b.names[0]), note: null };
    const named = byName?.bricks[i];
    const why = b.found ? b.problems.join('; ') : 'no handle';
    if (path && named && named.missing === null && named.gfid === g.gfid) return { file: brickFile(root, path), note: `read through its name: ${why}` };
    return { missing: b.found ? why : 'not on this brick (no handle, and no name of it)' };
  });
  return { id, path, gfid: g.gfid, where };
}

const errnoOf = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? String(e);

function readCopy(root: string, brick: number, where: Location): BrickXattrs {
  const copy: BrickXattrs = { brick, root, file: null, type: null, missing: null, unreadable: null, note: null, xattrs: [] };
  if ('missing' in where) return { ...copy, missing: where.missing };
  copy.file = where.file;
  copy.note = where.note;
  try {
    copy.type = statFields(lstatSync(where.file, { bigint: true })).type;
    copy.xattrs = decodeAll(listXattrs(where.file)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (e) {
    // Gone since it was resolved: missing, as if it had never been there.
    if (errnoOf(e) === 'ENOENT') return { ...copy, file: null, missing: 'removed while being read' };
    copy.unreadable = errnoOf(e);
  }
  return copy;
}

function compare(l: Located, set: BrickSet | null, bricks: BrickXattrs[]): EntryAudit {
  const holding = bricks.filter((b) => b.missing === null && b.unreadable === null);
  const names = [...new Set(holding.flatMap((b) => b.xattrs.map((x) => x.name)))].sort();
  const differs = names.filter((name) => {
    const values = holding.map((b) => b.xattrs.find((x) => x.name === name)?.value.toString('hex') ?? null);
    return values.some((v) => v !== values[0]);
  });
  const malformed = names.filter((name) => holding.some((b) => b.xattrs.some((x) => x.name === name && x.decoded.kind === 'malformed')));
  return {
    id: l.id, path: l.path, gfid: l.gfid, set, bricks, names, differs, malformed,
    missingOn: bricks.filter((b) => b.missing !== null).map((b) => b.brick),
    unreadableOn: bricks.filter((b) => b.unreadable !== null).map((b) => b.brick),
  };
}
