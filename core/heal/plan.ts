/**
 * The heal plan: every entry of every set judged (verdict.ts) and turned into the exact
 * list of changes `heal --apply` makes, in the order it makes them. `heal --sources` prints
 * this plan; `--apply` executes it and nothing else.
 *
 * Per entry, in order (heal-sources.md §0, §1.6, §1.7): the name first (copies to move
 * aside, names to create), then the data, then the metadata, then the EC counters as
 * GlusterFS leaves them after its own heal, then the index entries that no longer apply.
 * Children of a directory that heal moves aside travel with it and are not planned again.
 */
import type { EntryType } from '../brick/entry.ts';
import { CatalogSource } from '../recover/sources.ts';
import type { Db } from '../index/catalog.ts';
import { brickLabel, setOf, type BrickCopy, type VolumeShape } from '../volume/copies.ts';
import { dataFragments, isCompared, type VolumeLayout } from '../volume/layout.ts';
import { EC_HEAL_BIT } from '../xattr/decode.ts';
import { chooseEcData, type EcDataChoice } from './ec-data.ts';
import type { MetadataPart } from './metadata.ts';
import type { NameGroup } from './names.ts';
import { judgeEntry, judgeSetName, type EntryStatus, type EntryVerdict, type SetView } from './verdict.ts';
import { parentPath } from '../fs/names.ts';
import type { DataVerifier } from './verify-data.ts';
import type { Policy } from './policy.ts';

export type HealAction =
  /** Move this member's copy of the name aside (its handle too when no other name keeps the inode). */
  | { op: 'quarantine'; member: number; type: EntryType; gfid: string | null }
  /** Create the name on `member` as the inode it is on `from` (same gfid, type, mode, owner, xattrs). */
  | { op: 'create'; member: number; from: number }
  /** Rewrite the sinks' fragments from the sources; `cut`: sources longer than `fragmentBytes`, truncated to it. */
  | { op: 'data'; sources: number[]; sinks: number[]; cut: number[]; size: number; fragmentBytes: number; way: EcDataChoice['way'] }
  /** Copy mode, owner and the compared xattrs (mdata max-merged) from `from` to the sinks. */
  | { op: 'metadata'; from: number; sinks: number[]; parts: MetadataPart[] }
  /** The EC counters every member ends with: versions and size equal, dirty zero, no heal bit. */
  | { op: 'counters'; members: number[]; version: bigint; metaVersion: bigint; size: number | null }
  /** Replica data: the source's bytes copied into the sinks (never the arbiter), holes kept. */
  | { op: 'copy'; from: number; sinks: number[]; size: number }
  /** The AFR changelog every member ends with: each trusted.afr.* counter zero, as AFR's heal leaves it. */
  | { op: 'changelog'; members: number[] }
  /** Index entries (.glusterfs/indices/{xattrop,dirty,entry-changes}) to remove once the counters are zero. */
  | { op: 'index'; gfid: string; entries: IndexedEntry[] };

/** One heal index entry on a member: for entry-changes, `name` under the directory `gfid`. */
export interface IndexedEntry { member: number; kind: 'xattrop' | 'dirty' | 'entry-changes'; name: Buffer | null }

export interface EntryPlan {
  verdict: EntryVerdict;
  actions: HealAction[];
  /** Why nothing (or not everything) is done for this entry. */
  left: string | null;
}

export interface SetSummary {
  set: number;
  /** Volume positions of the set's given bricks. */
  bricks: number[];
  /** All the set's bricks were given. */
  complete: boolean;
  /** Its given bricks were compared with each other (isCompared). */
  compared: boolean;
  /** Entries each member is a sink for (by member). */
  sinkCounts: number[];
  /** Entries to heal that `heal --apply` changes. */
  toApply: number;
  statuses: Record<EntryStatus, number>;
}

export interface PlanOptions {
  trustFragments: boolean;
  /** How replica split-brains are settled (--policy); absent: reported, not settled. */
  policy?: Policy | null;
  /** --verify-data: check the content of files with more than K sources before planning them. */
  verifier?: DataVerifier;
}

/** Entries in path order per set, each with its plan. */
export async function* planHeal(db: Db, shape: VolumeShape, opts: PlanOptions, summaries: SetSummary[]): AsyncGenerator<EntryPlan> {
  const source = new CatalogSource(db, shape);
  const indexed = indexedGfids(db, shape);
  for (const set of shape.sets) summaries.push(newSummary(shape, set.index));
  const walkers = shape.sets.map((set) => {
    const inSet = (gfid: string) => (indexed.get(gfid) ?? []).filter((e) => setOf(shape, e.position).set === set.index);
    const indexEntries = (gfid: string): IndexedEntry[] => inSet(gfid).map((e) => ({ member: setOf(shape, e.position).member, kind: e.kind, name: e.name }));
    const indexedOn = (gfid: string) => [...new Set(indexEntries(gfid).filter((e) => e.kind === 'xattrop').map((e) => e.member))].sort((a, b) => a - b);
    const view = { layout: shape.layout, set, participants: set.bricks.map((b) => setOf(shape, b).member), indexedOn, policy: opts.policy ?? null };
    return new SetWalker(view, opts, source, summaries[set.index]!, indexEntries);
  });
  for (const group of source.namespace(Buffer.from('/'))) {
    for (const walker of walkers) {
      const copies = group.filter((c) => c.set === walker.view.set.index);
      if (copies.length === 0) continue;
      const plan = await walker.plan(copies);
      if (plan) yield plan;
    }
  }
}

/** A set's summary before any entry is counted. */
export function newSummary(shape: VolumeShape, set: number): SetSummary {
  const bricks = shape.sets[set]!.bricks;
  return {
    set, bricks, complete: bricks.length === shape.layout.setSize, compared: isCompared(shape.sets[set]!), sinkCounts: bricks.map(() => 0), toApply: 0,
    statuses: { healthy: 0, heal: 0, repairable: 0, unrecoverable: 0, conflict: 0 },
  };
}

interface IndexRow { position: number; kind: IndexedEntry['kind']; gfid: string; name: Buffer | null }

/** gfid → the heal index entries that name it (for entry-changes: the directory), with their volume positions. */
function indexedGfids(db: Db, shape: VolumeShape): Map<string, IndexRow[]> {
  const rows = db.prepare(`SELECT b.position, h.kind, h.gfid, h.name FROM heal_index h JOIN bricks b ON b.id = h.brick_id`).iterate() as Iterable<IndexRow>;
  const map = new Map<string, IndexRow[]>();
  for (const r of rows) {
    if (r.position >= shape.roots.length) continue;
    const list = map.get(r.gfid) ?? [];
    list.push(r);
    map.set(r.gfid, list);
  }
  return map;
}

class SetWalker {
  /** The set's copies of recent directories, by path: path order visits a parent before its names. */
  private readonly dirs = new Map<string, BrickCopy[]>();
  /** `${member}:${path}` of directories moved aside: what is under them goes with them. */
  private readonly movedDirs = new Set<string>();
  private readonly k: number;

  constructor(
    readonly view: SetView,
    private readonly opts: PlanOptions,
    private readonly source: CatalogSource,
    private readonly summary: SetSummary,
    private readonly indexEntries: (gfid: string) => IndexedEntry[],
  ) {
    this.k = dataFragments(view.layout);
  }

  async plan(copies: BrickCopy[]): Promise<EntryPlan | null> {
    const path = copies[0]!.path;
    const parent = path.length > 1 ? parentPath(path) : null;
    const underMoved = copies.filter((c) => parent !== null && this.movedDirs.has(`${c.member}:${parent.toString('latin1')}`));
    for (const c of underMoved) if (c.type === 'dir') this.movedDirs.add(`${c.member}:${path.toString('latin1')}`);
    const live = copies.filter((c) => !underMoved.includes(c));
    if (live.length === 0) return null;
    const parentCopies = parent ? this.dirs.get(parent.toString('latin1')) ?? null : null;
    const name = judgeSetName(this.view, live, parentCopies);
    const inode = name.kind === 'present' ? this.inodeCopies(name.group.gfid, name.group.type, name.group.copies, name.missing) : [];
    const verdict = judgeEntry(this.view, path, name, inode);
    if (this.opts.verifier) await this.opts.verifier.verify(verdict);
    if (name.kind === 'present' && name.group.type === 'dir') this.remember(path, name.group.copies);
    const plan = this.actions(verdict);
    // Heal moves a stale directory aside (gfsck) or removes it (GlusterFS's own heal, which
    // heals the sets gfsck does not) with everything below it, whether or not gfsck acts.
    const stale = name.kind === 'conflict' ? [] : name.stale;
    for (const g of stale) for (const c of g.copies) if (c.type === 'dir') this.movedDirs.add(`${c.member}:${path.toString('latin1')}`);
    this.count(plan);
    return plan;
  }

  private remember(path: Buffer, copies: BrickCopy[]): void {
    if (this.dirs.size > 4096) this.dirs.clear();
    this.dirs.set(path.toString('latin1'), copies);
  }

  /** The inode's copies: by name, and for members without the name, by gfid (a rename, or a name lost). */
  private inodeCopies(gfid: string | null, type: EntryType, named: BrickCopy[], missing: number[]): BrickCopy[] {
    if (!gfid || type === 'dir' || missing.length === 0) return named;
    const byMember = new Map(named.map((c) => [c.member, c]));
    for (const c of this.source.inodeCopies(gfid, this.view.set.index)) if (!byMember.has(c.member)) byMember.set(c.member, c);
    return [...byMember.values()];
  }

  private actions(v: EntryVerdict): EntryPlan {
    const actions: HealAction[] = [];
    const name = v.name;
    if (v.status === 'conflict') return { verdict: v, actions, left: v.unsettled.join('; ') };
    const unhealed = notHealedByApply(this.view.layout);
    if (unhealed) return { verdict: v, actions, left: v.status === 'healthy' ? null : unhealed };
    if (v.status === 'unrecoverable') return { verdict: v, actions, left: v.reasons.find((r) => r.includes('fewer than K')) ?? v.reasons.join('; ') };
    const participants = this.view.participants;
    const replica = this.view.layout.kind === 'replicate';
    if (replica && !this.summary.complete && v.status !== 'healthy') {
      return { verdict: v, actions, left: `only ${participants.length} of the ${this.view.layout.setSize} bricks of set ${this.view.set.index} given: replica heal needs every brick's changelog` };
    }
    if (!replica && participants.length <= this.k && v.status !== 'healthy') {
      return { verdict: v, actions, left: `only ${participants.length} bricks of set ${this.view.set.index} given: heal needs more than K=${this.k}` };
    }
    const staleGroups = name.kind === 'conflict' ? [] : name.stale;
    for (const g of staleGroups) for (const c of g.copies) actions.push({ op: 'quarantine', member: c.member, type: c.type, gfid: g.gfid });
    // What the index says of an inode moved aside no longer applies on the bricks it leaves.
    const leaving = (groups: NameGroup[]): HealAction[] => groups.flatMap((g) => {
      const entries = g.gfid ? this.indexEntries(g.gfid).filter((e) => g.copies.some((c) => c.member === e.member)) : [];
      return entries.length > 0 ? [{ op: 'index' as const, gfid: g.gfid!, entries }] : [];
    });
    if (name.kind !== 'present') return { verdict: v, actions: [...actions, ...leaving(staleGroups)], left: null };
    // A name is made as the copy heal reads the data from, where that copy holds the name.
    const dataFrom = v.afr?.fileData?.copyFrom;
    const from = name.group.copies.find((c) => c.member === dataFrom)?.member ?? name.group.copies[0]!.member;
    const created = [...name.missing, ...staleGroups.flatMap((g) => g.copies.map((c) => c.member))].sort((a, b) => a - b);
    for (const member of created) actions.push({ op: 'create', member, from });

    const whole = this.summary.complete;
    if (v.ecData) {
      const choice = chooseEcData(v.ecData, this.opts.trustFragments)!;
      const sources = choice.sources.map((c) => c.member);
      const sinks = participants.filter((m) => !sources.includes(m));
      const cut = choice.sources.filter((c) => c.size > choice.fragmentBytes).map((c) => c.member);
      if (sinks.length > 0 || cut.length > 0) {
        actions.push({ op: 'data', sources, sinks, cut, size: choice.size, fragmentBytes: choice.fragmentBytes, way: choice.way });
      }
    }
    const afrData = v.afr?.fileData;
    if (afrData && afrData.copyFrom !== null && afrData.sinks.length > 0) {
      // The copy judged (by name or, where the name moved, by gfid): its length is what every sink ends with.
      const size = v.copies.find((c) => c.member === afrData.copyFrom)!.size;
      actions.push({ op: 'copy', from: afrData.copyFrom, sinks: afrData.sinks, size });
    }
    // Created names get the metadata pass too: one made by linking an inode that survived elsewhere keeps that inode's.
    const m = v.metadata;
    const metaSinks = [...new Set([...(m?.sinks ?? []), ...created])].filter((s) => s !== m?.copyFrom).sort((x, y) => x - y);
    if (m && m.copyFrom !== null && metaSinks.length > 0) {
      actions.push({ op: 'metadata', from: m.copyFrom, sinks: metaSinks, parts: m.differs.length > 0 ? m.differs : ['mode', 'owner', 'mdata', 'xattrs'] });
    }
    if (replica) {
      if (v.afr && hasChangelog(v)) actions.push({ op: 'changelog', members: [...participants] });
    } else {
      const counters = this.counters(v, whole);
      if (counters && (actions.length > 0 || v.dirty.length > 0 || v.healing.length > 0 || this.versionsDiffer(v, counters))) actions.push(counters);
    }
    const entries = v.gfid && whole ? this.indexEntries(v.gfid) : [];
    if (entries.length > 0) actions.push({ op: 'index', gfid: v.gfid!, entries });
    actions.push(...leaving(staleGroups.filter((g) => g.gfid !== v.gfid)));
    return { verdict: v, actions, left: null };
  }

  /** What the EC counters end as (heal-sources.md §1.7 step 8, §1.6 step 3). */
  private counters(v: EntryVerdict, whole: boolean): Extract<HealAction, { op: 'counters' }> | null {
    if (v.type !== 'file' && v.type !== 'dir') return null;
    const metaVersion = (member: number | null) => {
      const copy = member === null || v.name.kind !== 'present' ? undefined : v.name.group.copies.find((c) => c.member === member);
      const state = v.ecData?.states.find((s) => s.copy.member === member);
      return state?.metaVersion ?? (copy ? metaVersionOf(copy) : 0n);
    };
    const meta = metaVersion(v.metadata?.copyFrom ?? null);
    if (v.type === 'file') {
      const choice = v.ecData ? chooseEcData(v.ecData, this.opts.trustFragments) : null;
      if (!choice) return null;
      const version = choice.sources.map((c) => v.ecData!.states.find((s) => s.copy.member === c.member)!.version).reduce((a, b) => (b > a ? b : a)) & ~EC_HEAL_BIT;
      return whole || v.dirty.length === 0 ? { op: 'counters', members: [...this.view.participants], version, metaVersion: meta, size: choice.size } : null;
    }
    return v.ecDir ? { op: 'counters', members: [...this.view.participants], version: v.ecDir.version & ~EC_HEAL_BIT, metaVersion: meta, size: null } : null;
  }

  private versionsDiffer(v: EntryVerdict, c: Extract<HealAction, { op: 'counters' }>): boolean {
    if (v.name.kind !== 'present') return false;
    return v.name.group.copies.some((copy) => {
      const d = versionOf(copy);
      return d.data !== c.version || d.meta !== c.metaVersion;
    });
  }

  private count(plan: EntryPlan): void {
    this.summary.statuses[plan.verdict.status]++;
    if (plan.verdict.status !== 'healthy' && plan.actions.length > 0) this.summary.toApply++;
    for (const m of sinksOf(plan)) this.summary.sinkCounts[m]!++;
  }
}

/** Any AFR counter (pending or dirty) not zero on any member. */
function hasChangelog(v: EntryVerdict): boolean {
  const m = v.afr!.matrix;
  return [...m.pending.flat(2), ...m.dirty.flat()].some((x) => x !== 0);
}

function versionOf(c: BrickCopy): { data: bigint; meta: bigint } {
  const raw = c.xattrs.get('trusted.ec.version');
  if (!raw || raw.length !== 16) return { data: 0n, meta: 0n };
  return { data: raw.readBigUInt64BE(0), meta: raw.readBigUInt64BE(8) };
}

function metaVersionOf(c: BrickCopy): bigint {
  return versionOf(c).meta;
}


/** Why `heal --apply` leaves sets of this layout alone, or null when it heals them. */
export function notHealedByApply(layout: VolumeLayout): string | null {
  return layout.kind === 'distribute' ? 'a plain distribute volume has nothing to heal from' : null;
}

/**
 * Members an entry's heal rewrites: names made or moved aside, data, metadata, directory
 * entries; and what the verdict alone names where no action is planned (AFR directions,
 * names missing or stale), so a set --apply does not heal still shows its stale bricks.
 */
function sinksOf(p: EntryPlan): Set<number> {
  const v = p.verdict;
  const touched = new Set<number>(v.ecDir?.sinks ?? []);
  if (v.afr) {
    for (const s of [...(v.afr.fileData?.sinks ?? []), ...v.afr.entry.sinks, ...(v.metadata?.sinks ?? [])]) touched.add(s);
  }
  if (v.name.kind !== 'conflict') {
    for (const g of v.name.stale) for (const c of g.copies) touched.add(c.member);
    if (v.name.kind === 'present') for (const m of v.name.missing) touched.add(m);
  }
  for (const a of p.actions) {
    if (a.op === 'quarantine' || a.op === 'create') touched.add(a.member);
    if (a.op === 'data' || a.op === 'metadata' || a.op === 'copy') for (const s of a.sinks) touched.add(s);
  }
  return touched;
}

/** The sources and sinks an entry's line names: its data's, else its directory entries', else its name's. */
export function sourcesAndSinks(p: EntryPlan): { sources: number[]; sinks: number[] } {
  const v = p.verdict;
  if (v.status === 'conflict' || v.status === 'unrecoverable') return { sources: [], sinks: [] };
  const touched = sinksOf(p);
  const all = v.name.kind === 'present' ? [...v.name.group.copies.map((c) => c.member), ...v.name.missing] : [];
  const dataSources = v.ecData ? chooseEcData(v.ecData, false)?.sources.map((c) => c.member) ?? [] : v.ecDir?.sources ?? v.afr?.fileData?.sources ?? null;
  const sources = (dataSources ?? all).filter((m) => !touched.has(m));
  return { sources: [...new Set(sources)].sort((a, b) => a - b), sinks: [...touched].sort((a, b) => a - b) };
}

/** One action in words, with bricks by label: what --sources prints and --apply does. */
export function describeAction(a: HealAction, set: number[]): string {
  const b = (m: number) => brickLabel(set[m]!);
  const list = (ms: number[]) => ms.map(b).join(',');
  switch (a.op) {
    case 'quarantine': return `move ${b(a.member)}'s ${a.type} aside (quarantine)`;
    case 'create': return `create on ${b(a.member)} as on ${b(a.from)}`;
    case 'data': {
      const way = a.way === 'heal' ? '' : a.way === 'ec-size' ? ', what trusted.ec.size records' : a.way === 'trust-fragments' ? ', keeping all the fragments hold (--trust-fragments)' : ', from a possibly stale copy';
      const cut = a.cut.length > 0 ? `cut the fragments on ${list(a.cut)} to ${a.fragmentBytes} bytes` : '';
      const rewrite = a.sinks.length > 0 ? `rewrite fragments on ${list(a.sinks)} from ${list(a.sources)}` : '';
      return `${[cut, rewrite].filter(Boolean).join(', then ')} (${a.size} bytes, ${a.fragmentBytes} per fragment${way})`;
    }
    case 'metadata': return `copy ${a.parts.join(', ')} from ${b(a.from)} to ${list(a.sinks)}`;
    case 'counters': return `set ec.version ${a.version}/${a.metaVersion}${a.size === null ? '' : `, ec.size ${a.size}`}, dirty 0 on ${list(a.members)}`;
    case 'copy': return `copy the data from ${b(a.from)} to ${list(a.sinks)} (${a.size} bytes)`;
    case 'changelog': return `zero the AFR changelog (trusted.afr.*) on ${list(a.members)}`;
    case 'index': {
      const kinds = [...new Set(a.entries.map((e) => e.kind))].map((kind) => {
        const on = a.entries.filter((e) => e.kind === kind);
        return `${kind} on ${list([...new Set(on.map((e) => e.member))])}${kind === 'entry-changes' ? ` (${on.length} names)` : ''}`;
      });
      return `remove the index entries: ${kinds.join('; ')}`;
    }
  }
}
