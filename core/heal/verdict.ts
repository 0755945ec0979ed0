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
import { arbiterMember, dataFragments, type BrickSet, type VolumeLayout } from '../volume/layout.ts';
import { AFR_COLUMNS, accusations, afrSources, entryDirection, pendingMatrix, quorumRule, type AfrColumn, type AfrDirection, type PendingMatrix, type QuorumRule } from './afr.ts';
import { judgeAfrData, type AfrDataVerdict } from './afr-data.ts';
import { describeCopy, policyOutcomes, type Policy, type PolicyPick } from './policy.ts';
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
  /** The admin's choice for replica split-brains (--policy); without one they are reported, not settled. */
  policy?: Policy | null;
}

/** Directory entries on EC (§1.6): the highest data version is the reference. */
export interface EcDirVerdict {
  version: bigint;
  sources: number[];
  sinks: number[];
}

export interface AfrVerdict {
  matrix: PendingMatrix;
  quorum: QuorumRule;
  /** The raw directions per column, as the matrix gives them. */
  data: AfrDirection;
  metadata: AfrDirection;
  entry: AfrDirection;
  /** For a regular file: the copy heal reads and the bricks it rewrites. */
  fileData: AfrDataVerdict | null;
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
  /** Of those, what nothing settles (a conflict's cause, without the choices). */
  unsettled: string[];
  /** The inode's copies the verdict judged, one per member (by name, or by gfid where the name is missing); empty for a stale name or a conflict. */
  copies: BrickCopy[];
  /** A replica conflict's copies, side by side in the reasons (and their sha256 with --verify-data). */
  evidence: BrickCopy[];
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
      policy: view.policy ?? null,
      setSize: view.set.bricks.length,
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
  const base = { path, set: setIndex, name, ecData: null, ecDir: null, afr: null, metadata: null, dirty: [], healing: [], evidence: [], copies: [] };
  if (name.kind === 'stale') {
    const [held] = name.stale;
    return { ...base, gfid: held!.gfid, type: held!.type, status: 'heal', reasons: name.evidence.map((e) => `stale name ${e}: heal removes it`), unsettled: [] };
  }
  if (name.kind === 'conflict') {
    const unsettled = [`${name.what} conflict: ${name.evidence.join('; ')}`];
    const reasons = [...unsettled];
    const evidence = view.layout.kind === 'replicate' ? sideBySide(name.groups.flatMap((g) => g.copies)) : [];
    if (evidence.length > 0) reasons.push(...evidence.map(describeCopy), choices(policyOutcomes(evidence, view.set.bricks.length)));
    return { ...base, gfid: null, type: null, status: 'conflict', reasons, unsettled, evidence };
  }
  const { group } = name;
  const copies = [...inodeCopies].sort((a, b) => a.member - b.member);
  const verdict: EntryVerdict = { ...base, copies, gfid: group.gfid, type: group.type, status: 'healthy', reasons: [], unsettled: [] };
  const raise: Raise = (s, why) => {
    verdict.reasons.push(why);
    if (s === 'conflict') verdict.unsettled.push(why);
    if (RANK[s] > RANK[verdict.status]) verdict.status = s;
  };
  for (const g of name.stale) raise('heal', `another inode (${g.type} ${g.gfid ?? 'without gfid'}) under this name on ${g.copies.map((c) => brickLabel(c.brick)).join(',')}: heal replaces it`);
  if (name.missing.length > 0) raise('heal', `missing on ${labels(view, name.missing)}: heal creates it there`);
  const { layout } = view;
  if (layout.kind === 'disperse') judgeEc(view, copies, group.type, verdict, raise);
  else if (layout.kind === 'replicate') judgeAfr(view, copies, group.type, verdict, raise);
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

function judgeAfr(view: SetView, copies: BrickCopy[], type: EntryType, v: EntryVerdict, raise: Raise): void {
  v.dirty = copies.filter((c) => {
    const d = xattr(c, 'trusted.afr.dirty');
    return d?.kind === 'afr-dirty' && (d.counters.data !== 0 || d.counters.metadata !== 0 || d.counters.entry !== 0);
  }).map((c) => c.member);
  const n = view.set.bricks.length;
  if (view.participants.length < n || copies.length === 0) {
    v.metadata = copies.length > 0 ? soleMetadata(copies[0]!) : null;
    return; // the direction needs every brick's view of the pending matrix
  }
  // A brick without the name accuses nobody: its row of the matrix is zero.
  const matrix = pendingMatrix(view.set, copies.map((c) => ({ member: c.member, xattrs: xattrJson(c) })));
  const quorum = quorumRule(view.layout);
  const policy = view.policy ?? null;
  const data = afrSources(matrix, 'data', quorum);
  const metadata = afrSources(matrix, 'metadata', quorum);
  const entry = entryDirection(matrix);
  const fileData = type === 'file' ? judgeAfrData(copies, matrix, quorum, arbiterMember(view.layout), policy, view.participants) : null;
  v.afr = { matrix, quorum, data, metadata, entry, fileData };
  const words = (column: AfrColumn) => accusations(matrix, column, (m) => labels(view, [m])) ?? 'nobody accuses anybody';
  const assumed = (d: AfrDirection) => (d.otherReading ? `; ${assumedQuorum(view, quorum, d.otherReading)}` : '');
  if (fileData) {
    const how = fileData.how;
    if (how === 'split-brain') raise('conflict', `data split-brain: ${words('data')}${assumed(data)}`);
    else if (how === 'arbiter-only') raise('conflict', `data: only the arbiter ${labels(view, data.sources)} is a source, and it holds no data (${words('data')})`);
    if (how === 'split-brain' || how === 'arbiter-only') showSides(v, copies, fileData.outcomes);
    else if (fileData.sinks.length > 0) raise('heal', `data: ${words('data')}${assumed(data)}; copied from ${labels(view, [fileData.copyFrom!])} to ${labels(view, fileData.sinks)}`);
    for (const note of fileData.notes) v.reasons.push(note);
  }
  if (type === 'dir' && accusations(matrix, 'entry', String)) {
    raise('heal', entry.splitBrain
      ? `entries: ${words('entry')}: the bricks accuse each other, so every name is kept on every brick (conservative merge)`
      : `entries: ${words('entry')}; sources ${labels(view, entry.sources)}, sinks ${labels(view, entry.sinks)}`);
  }
  v.metadata = judgeAfrMetadata(copies, matrix, quorum, policy, n);
  if (v.metadata.reason === 'split-brain') {
    raise('conflict', `metadata split-brain: ${words('metadata')}${assumed(metadata)}; the copies differ in ${v.metadata.differs.join(', ')}`);
    showSides(v, copies, v.metadata.outcomes ?? []);
  } else if (v.metadata.sinks.length > 0) {
    raise('heal', `metadata (${v.metadata.differs.join(', ')}) differs on ${labels(view, v.metadata.sinks)}: copied from ${labels(view, [v.metadata.copyFrom!])}`);
  }
  if (v.metadata.note) v.reasons.push(v.metadata.note);
  const pending = AFR_COLUMNS.map((c) => accusations(matrix, c, (m) => labels(view, [m])) && c).filter(Boolean);
  if (v.status === 'healthy' && pending.length > 0) raise('heal', `the changelog still accuses (${pending.map((c) => `${c}: ${words(c as AfrColumn)}`).join('; ')}), with nothing to copy: heal resets it`);
  if (v.dirty.length > 0 && v.status === 'healthy') raise('heal', `trusted.afr.dirty set on ${labels(view, v.dirty)}`);
}

/** An assumed quorum, and what the other reading decides (the admin can tell gfsck which is true). */
function assumedQuorum(view: SetView, quorum: QuorumRule, other: NonNullable<AfrDirection['otherReading']>): string {
  const decides = other.splitBrain ? 'split-brain' : `${labels(view, other.sources)} win`;
  return `assumed quorum-type ${quorum.type} (GlusterFS's default for replica ${view.set.bricks.length}; --volinfo or --quorum tell); under ${other.type}: ${decides}`;
}

/** The copies in conflict, sorted by member. */
const sideBySide = (copies: BrickCopy[]): BrickCopy[] => [...copies].sort((a, b) => a.member - b.member);

/** A split-brain's evidence, once per entry: each copy, then what each policy would keep. */
function showSides(v: EntryVerdict, copies: BrickCopy[], outcomes: Array<{ policy: string; pick: PolicyPick }>): void {
  if (v.evidence.length === 0) {
    v.evidence = sideBySide(copies);
    v.reasons.push(...v.evidence.map(describeCopy));
  }
  v.reasons.push(choices(outcomes));
}

/** What each policy would keep, in words. */
function choices(outcomes: Array<{ policy: string; pick: PolicyPick }>): string {
  return `choose with --policy: ${outcomes.map((o) => `${o.policy} → ${o.pick.member === null ? `nothing (${o.pick.why})` : o.pick.why}`).join('; ')}; or brick=N`;
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

