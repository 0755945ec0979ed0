/**
 * The one verdict on an entry of one set: what entry heal does with its name, which bricks
 * are sources and sinks for its data and its metadata, and whether the entry is healthy,
 * needs a heal, cannot be healed by GlusterFS but can be repaired, or has lost data.
 * inspect reports it, rebuild --out reads from its sources, heal prints and executes it.
 *
 * Two steps, because the data of a name is judged on the inode's copies (some bricks may
 * hold it only under another name, or only through its handle): `judgeName` (names.ts),
 * then `judgeEntry` with the inode's copies.
 */
import type { EntryType } from '../brick/entry.ts';
import { brickLabel, xattr, xattrJson, type BrickCopy } from '../volume/copies.ts';
import { dataFragments, type BrickSet, type VolumeLayout } from '../volume/layout.ts';
import { afrSources, pendingMatrix, type AfrDirection, type PendingMatrix } from './afr.ts';
import { chooseEcData, judgeEcData, type EcDataChoice, type EcDataVerdict } from './ec-data.ts';
import { judgeAfrMetadata, judgeEcMetadata, soleMetadata, type MetadataVerdict } from './metadata.ts';
import { entryDirty, judgeName, type NameVerdict, type SetKind } from './names.ts';

export type EntryStatus = 'healthy' | 'heal' | 'repairable' | 'unrecoverable' | 'conflict';

/** A set as the verdict sees it. */
export interface SetView {
  layout: VolumeLayout;
  set: BrickSet;
  /** Members of the set whose bricks were given. */
  participants: number[];
  /** Members whose xattrop index lists a gfid (heal reads the index; inspect reports it in pass 4). */
  indexedOn?: (gfid: string) => number[];
}

/** Directory entries on EC (§1.6): the highest data version is the reference. */
export interface EcDirVerdict {
  version: bigint;
  sources: number[];
  sinks: number[];
}

export interface AfrVerdict {
  matrix: PendingMatrix;
  data: AfrDirection;
  metadata: AfrDirection;
  entry: AfrDirection;
}

export interface EntryVerdict {
  path: Buffer;
  set: number;
  name: NameVerdict;
  /** The surviving inode; for a stale name the inode it held; null in a conflict. */
  gfid: string | null;
  type: EntryType | null;
  ecData: EcDataVerdict | null;
  ecDir: EcDirVerdict | null;
  afr: AfrVerdict | null;
  metadata: MetadataVerdict | null;
  /** Members whose EC or AFR dirty counters are non-zero. */
  dirty: number[];
  /** Members whose data version carries the heal bit. */
  healing: number[];
  status: EntryStatus;
  /** Why, in words, one line each. */
  reasons: string[];
}

export function setKind(view: SetView, parentCopies: BrickCopy[] | null): SetKind {
  const { layout } = view;
  if (layout.kind === 'disperse') return { kind: 'disperse', k: dataFragments(layout), r: layout.redundancy };
  if (layout.kind === 'replicate') {
    const full = parentCopies !== null && parentCopies.length === view.set.bricks.length;
    return {
      kind: 'replicate',
      parentMatrix: full ? pendingMatrix(view.set, parentCopies.map((c) => ({ member: c.member, xattrs: xattrJson(c) }))) : null,
      parentDirty: parentCopies !== null && entryDirty(parentCopies),
    };
  }
  return { kind: 'distribute' };
}

/** The name's verdict in a set; `parentCopies` are the set's copies of the parent directory (null for the root). */
export function judgeSetName(view: SetView, nameCopies: BrickCopy[], parentCopies: BrickCopy[] | null): NameVerdict {
  return judgeName(nameCopies, view.participants, setKind(view, parentCopies));
}

/**
 * The whole verdict. `inodeCopies`: the surviving inode's copies on the set's bricks, one
 * per member (by name, or by gfid where the name is missing); ignored when the name is stale
 * or in conflict.
 */
export function judgeEntry(view: SetView, path: Buffer, name: NameVerdict, inodeCopies: BrickCopy[]): EntryVerdict {
  const setIndex = view.set.index;
  const base = { path, set: setIndex, name, ecData: null, ecDir: null, afr: null, metadata: null, dirty: [], healing: [] };
  if (name.kind === 'stale') {
    const [held] = name.stale;
    return { ...base, gfid: held!.gfid, type: held!.type, status: 'heal', reasons: name.evidence.map((e) => `stale name ${e}: heal removes it`) };
  }
  if (name.kind === 'conflict') {
    return { ...base, gfid: null, type: null, status: 'conflict', reasons: [`${name.what} conflict: ${name.evidence.join('; ')}`] };
  }
  const { group } = name;
  const copies = [...inodeCopies].sort((a, b) => a.member - b.member);
  const verdict: EntryVerdict = { ...base, gfid: group.gfid, type: group.type, status: 'healthy', reasons: [] };
  const raise: Raise = (s, why) => {
    verdict.reasons.push(why);
    if (RANK[s] > RANK[verdict.status]) verdict.status = s;
  };
  for (const g of name.stale) raise('heal', `another inode (${g.type} ${g.gfid ?? 'without gfid'}) under this name on ${g.copies.map((c) => brickLabel(c.brick)).join(',')}: heal replaces it`);
  if (name.missing.length > 0) raise('heal', `missing on ${labels(view, name.missing)}: heal creates it there`);
  const { layout } = view;
  if (layout.kind === 'disperse') judgeEc(view, copies, group.type, verdict, raise);
  else if (layout.kind === 'replicate') judgeAfr(view, copies, verdict, raise);
  else verdict.metadata = copies.length > 0 ? soleMetadata(copies[0]!) : null;
  const listed = group.gfid ? view.indexedOn?.(group.gfid) ?? [] : [];
  if (listed.length > 0 && verdict.status === 'healthy') {
    raise('heal', `listed in the xattrop index on ${labels(view, listed)} with nothing pending: heal removes the entry`);
  }
  return verdict;
}

const RANK: Record<EntryStatus, number> = { healthy: 0, heal: 1, repairable: 2, unrecoverable: 3, conflict: 4 };

type Raise = (s: EntryStatus, why: string) => void;

export const labels = (view: SetView, members: number[]): string => members.map((m) => brickLabel(view.set.bricks[m]!)).join(',');

function judgeEc(view: SetView, copies: BrickCopy[], type: EntryType, v: EntryVerdict, raise: Raise): void {
  const k = dataFragments(view.layout);
  v.dirty = copies.filter((c) => ecDirty(c)).map((c) => c.member);
  v.healing = copies.filter((c) => {
    const d = xattr(c, 'trusted.ec.version');
    return d?.kind === 'ec-version' && d.healing;
  }).map((c) => c.member);
  if (type === 'file') {
    const data = judgeEcData(copies, view.layout, k);
    v.ecData = data;
    for (const e of data.excluded) raise('heal', `${brickLabel(e.brick)}: ${e.reason}`);
    const numbers = data.groups.map((g) => `v${g.version} size ${g.size} on ${labels(view, g.members)}`).join('; ');
    if (data.reason === 'ok') {
      if (data.sinks.length > 0) raise('heal', `data: ${numbers}; sources ${labels(view, data.sources.map((s) => s.copy.member))}, sinks ${labels(view, data.sinks)}`);
    } else if (data.crash) {
      raise('repairable', `data: ${numbers}; ${chooseEcData(data, false)!.notes[0]}`);
    } else {
      const salvage = chooseEcData(data, false);
      raise('unrecoverable', `data: ${numbers}; fewer than K=${k} bricks agree on version, size and fragment length` +
        (salvage ? `: only a possibly stale copy on ${salvage.sources.map((c) => brickLabel(c.brick)).join(',')} can be read (gfsck rebuild --out)` : ': the data is lost'));
    }
  } else if (type === 'dir') {
    const versions = copies.map((c) => ({ member: c.member, version: ecDataVersion(c) }));
    const top = versions.reduce((max, x) => (x.version > max ? x.version : max), 0n);
    const sources = versions.filter((x) => x.version === top).map((x) => x.member);
    const sinks = versions.filter((x) => x.version !== top).map((x) => x.member);
    v.ecDir = { version: top, sources, sinks };
    if (sinks.length > 0) raise('heal', `entries: directory version v${top} on ${labels(view, sources)}, older on ${labels(view, sinks)}`);
  }
  if (v.healing.length > 0) raise('heal', `heal bit set on ${labels(view, v.healing)}: an interrupted heal`);
  if (v.dirty.length > 0 && v.status === 'healthy') raise('heal', `dirty on ${labels(view, v.dirty)}: a transaction never closed; heal clears it`);
  v.metadata = copies.length > 1 ? judgeEcMetadata(copies, k) : copies.length === 1 ? soleMetadata(copies[0]!) : null;
  describeMetadata(view, v.metadata, raise);
}

function judgeAfr(view: SetView, copies: BrickCopy[], v: EntryVerdict, raise: Raise): void {
  v.dirty = copies.filter((c) => {
    const d = xattr(c, 'trusted.afr.dirty');
    return d?.kind === 'afr-dirty' && (d.counters.data !== 0 || d.counters.metadata !== 0 || d.counters.entry !== 0);
  }).map((c) => c.member);
  if (copies.length < view.set.bricks.length) {
    v.metadata = copies.length > 0 ? soleMetadata(copies[0]!) : null;
    return; // the direction needs every brick's view of the pending matrix
  }
  const matrix = pendingMatrix(view.set, copies.map((c) => ({ member: c.member, xattrs: xattrJson(c) })));
  const data = afrSources(matrix, 'data');
  const metadata = afrSources(matrix, 'metadata');
  const entry = afrSources(matrix, 'entry');
  v.afr = { matrix, data, metadata, entry };
  for (const [column, d] of [['data', data], ['metadata', metadata], ['entry', entry]] as const) {
    if (d.splitBrain) raise('conflict', `${column} split-brain: the bricks accuse each other (${d.describe})`);
    else if (d.sinks.length > 0) raise('heal', `${column}: sources ${labels(view, d.sources)}, sinks ${labels(view, d.sinks)} (${d.describe})`);
  }
  v.metadata = judgeAfrMetadata(copies, matrix);
  if (v.dirty.length > 0 && v.status === 'healthy') raise('heal', `trusted.afr.dirty set on ${labels(view, v.dirty)}`);
}

function describeMetadata(view: SetView, m: MetadataVerdict | null, raise: Raise): void {
  if (!m || m.sinks.length === 0) return;
  const what = m.differs.join(', ');
  if (m.reason === 'ok') raise('heal', `metadata (${what}) differs on ${labels(view, m.sinks)}: copied from ${labels(view, [m.copyFrom!])}`);
  else raise('repairable', `metadata (${what}): ${m.fallback!.why} is ${labels(view, [m.fallback!.member])}; GlusterFS cannot heal it`);
}

function ecDirty(c: BrickCopy): boolean {
  const d = xattr(c, 'trusted.ec.dirty');
  return d?.kind === 'ec-dirty' && (d.data !== 0n || d.metadata !== 0n);
}

export function ecDataVersion(c: BrickCopy): bigint {
  const d = xattr(c, 'trusted.ec.version');
  return d?.kind === 'ec-version' ? d.data : 0n;
}

/** The data choice of a verdict for readers (rebuild) and writers (heal). */
export function dataChoice(v: EntryVerdict, trustFragments: boolean): EcDataChoice | null {
  return v.ecData ? chooseEcData(v.ecData, trustFragments) : null;
}

