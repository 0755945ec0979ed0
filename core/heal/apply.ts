/**
 * `gfsck heal --apply`: executes the heal plan (plan.ts) on the bricks, every change
 * journaled first (core/repair), so that `gfsck heal --undo JOURNAL` restores the bricks.
 *
 * The plan is streamed, never held whole: a first, read-only pass foresees what the heal
 * names and moves aside, and keeps only the entries with a stale copy. Then every stale
 * copy is moved aside (so a name, or a directory's handle, is free before it is made
 * again), an inode's handle with it when no name on that brick keeps the inode after the
 * heal (a name the heal creates may link it: a rename); then a second pass takes the
 * entries in path order, a chunk at a time: the chunk's names are made (one journal commit), then each
 * entry's data and metadata, then the bricks are synced, and only then the counters that say
 * the entries are whole are set and their index entries removed (one commit). A sink is
 * marked with the heal bit before its fragments are rewritten, so a heal killed half-way
 * never leaves a sink that looks like a source, and every step leaves a state the next
 * run's plan finishes.
 */
import { closeSync, existsSync, lstatSync, openSync, readlinkSync } from 'node:fs';
import { native } from '../fs/native.ts';
import { getXattr } from '../fs/xattr.ts';
import type { Db } from '../index/catalog.ts';
import { brickFile } from '../index/copies.ts';
import { escapeName, parentPath } from '../fs/names.ts';
import { handleRelPath, ROOT_GFID } from '../gfid-tree/gfid.ts';
import { journalPath, newRunId, RepairSession } from '../repair/session.ts';
import { brickLabel, type BrickCopy, type VolumeShape } from '../volume/copies.ts';
import { dataFragments } from '../volume/layout.ts';
import { EC_HEAL_BIT } from '../xattr/decode.ts';
import { comparedXattr, mergeMdata } from './metadata.ts';
import { describeAction, type EntryPlan, type HealAction } from './plan.ts';
import { FragmentRewriter } from './write/fragments.ts';
import { ReplicaCopier } from './write/copy.ts';
import { createEntry, removeIndexEntries, syncAttrs, syncXattrs } from './write/entries.ts';

export interface ApplyEvents {
  /** An entry the plan leaves (in part) undone, seen in the first pass. */
  onLeft?(plan: EntryPlan): void;
  onJournal?(file: string): void;
  onWarning?(text: string): void;
  /** Each entry once its actions ran: `error` names the action that failed (the later ones were not tried). */
  onEntry?(plan: EntryPlan, error: string | null): void;
  onBytes?(bytes: number): void;
}

export interface ApplyResult {
  journal: string;
  /** Entries whose every action was made, and entries where one failed. */
  done: number;
  failed: number;
  bytes: number;
}

const CTIME_MDATA = 'trusted.glusterfs.mdata';

/** Entries whose names, and whose counters and index entries, are each made in one journal commit. */
const CHUNK = 1024;

/** The plan, from its first entry each time it is called: the same entries every time (the catalog does not change). */
export type PlanStream = () => AsyncIterable<EntryPlan>;

/** An entry across the passes, whose plan objects differ. */
const keyOf = (plan: EntryPlan): string => `${plan.verdict.set}:${plan.verdict.path.toString('latin1')}`;

/** The first pass: what the whole heal will do to each inode's names (the handle decisions depend on it). */
class Foresight {
  /** `${set}:${member}:${gfid}` → how many of the inode's names on that brick this heal moves aside. */
  readonly leaving = new Map<string, number>();
  /** `${set}:${member}:${gfid}` of inodes this heal gives a name. */
  readonly named = new Set<string>();
  /** The entries with a stale copy to move aside, the only plans kept between the passes. */
  readonly quarantines: EntryPlan[] = [];
  todo = 0;

  constructor(private readonly filesUnder: (plan: EntryPlan, member: number) => Map<string, number>) {}

  observe(plan: EntryPlan): void {
    if (plan.actions.length === 0) return;
    this.todo++;
    const set = plan.verdict.set;
    const count = (key: string, n: number) => this.leaving.set(key, (this.leaving.get(key) ?? 0) + n);
    let stale = false;
    for (const a of plan.actions) {
      if (a.op === 'create') this.named.add(`${set}:${a.member}:${plan.verdict.gfid}`);
      if (a.op !== 'quarantine') continue;
      stale = true;
      if (a.type !== 'dir' && a.gfid) count(`${set}:${a.member}:${a.gfid}`, 1);
      if (a.type === 'dir') for (const [gfid, n] of this.filesUnder(plan, a.member)) count(`${set}:${a.member}:${gfid}`, n);
    }
    if (stale) this.quarantines.push(plan);
  }
}

/**
 * Heals what `plans` says: the first pass, then, if anything is to be done, the repair
 * session (journal, interlock) and the heal. Null when the plan holds nothing to do.
 */
export async function executeHeal(db: Db, shape: VolumeShape, plans: PlanStream, journal: string | undefined, force: boolean, events: ApplyEvents): Promise<ApplyResult | null> {
  const foresight = new Foresight((plan, member) => entriesUnder(db, shape, plan, member).files);
  for await (const plan of plans()) {
    if (plan.left !== null) events.onLeft?.(plan);
    foresight.observe(plan);
  }
  if (foresight.todo === 0) return null;
  return new HealExecutor(db, shape, foresight, journal, force, events).run(plans);
}

/** What a directory holds on one brick, from the catalog: directory gfids, and file gfids with their name counts. */
function entriesUnder(db: Db, shape: VolumeShape, plan: EntryPlan, member: number): { dirs: string[]; files: Map<string, number> } {
  const position = shape.sets[plan.verdict.set]!.bricks[member]!;
  const prefix = Buffer.concat([plan.verdict.path, Buffer.from('/')]);
  const rows = db.prepare(`SELECT e.gfid, e.type FROM entries e JOIN bricks b ON b.id = e.brick_id
    WHERE b.position = ? AND e.gfid IS NOT NULL AND substr(e.path, 1, ?) = ?`).all(position, prefix.length, prefix) as Array<{ gfid: string; type: string }>;
  const files = new Map<string, number>();
  for (const r of rows) if (r.type !== 'dir') files.set(r.gfid, (files.get(r.gfid) ?? 0) + 1);
  return { dirs: rows.filter((r) => r.type === 'dir').map((r) => r.gfid), files };
}

type Phase = 'names' | 'content' | 'counters';
const PHASE_OF: Record<HealAction['op'], Phase> = {
  quarantine: 'names', create: 'names', data: 'content', copy: 'content', metadata: 'content', counters: 'counters', changelog: 'counters', index: 'counters',
};

/**
 * A replica directory's changelog is what says which of its names are stale: it is reset
 * only after every entry of the heal, so a heal cut short leaves the evidence its re-run needs.
 */
const lastOfAll = (plan: EntryPlan): boolean => plan.verdict.type === 'dir' && plan.verdict.afr !== null;

class HealExecutor {
  private readonly session: RepairSession;
  /** Per entry, the members on which it made a new object, with the member it copied. */
  private readonly madeFrom = new WeakMap<EntryPlan, Map<number, number>>();
  private readonly rewriter = new FragmentRewriter();
  private readonly copier = new ReplicaCopier();
  private done = 0;
  private failed = 0;
  private bytes = 0;

  /** Entries an action failed for (by keyOf): their later actions are not tried. */
  private readonly errors = new Map<string, string>();

  constructor(private readonly db: Db, private readonly shape: VolumeShape, private readonly foresight: Foresight, journal: string | undefined, force: boolean, private readonly events: ApplyEvents) {
    const runId = newRunId();
    const roots = shape.roots.map((r) => r.toString());
    this.session = RepairSession.begin({ bricks: roots, journalFile: journalPath(journal, 'heal', runId, roots), force, command: 'heal --apply', runId });
    for (const w of this.session.warnings) events.onWarning?.(w);
    events.onJournal?.(this.session.journal.file);
  }

  get journal(): string {
    return this.session.journal.file;
  }

  async run(plans: PlanStream): Promise<ApplyResult> {
    try {
      for (const plan of this.foresight.quarantines.splice(0)) {
        for (const a of plan.actions) {
          if (a.op !== 'quarantine' || this.errors.has(keyOf(plan))) continue;
          const error = this.attempt(plan, a, () => this.quarantine(plan, a));
          if (error) this.errors.set(keyOf(plan), error);
        }
      }
      const last: EntryPlan[] = [];
      let chunk: EntryPlan[] = [];
      for await (const plan of plans()) {
        if (plan.actions.length === 0) continue;
        if (lastOfAll(plan)) last.push(plan);
        chunk.push(plan);
        if (chunk.length === CHUNK) {
          await this.healChunk(chunk);
          chunk = [];
        }
      }
      if (chunk.length > 0) await this.healChunk(chunk);
      for (let at = 0; at < last.length; at += CHUNK) this.inOneCommit(last.slice(at, at + CHUNK), 'counters');
      for (const plan of last) this.count(plan);
      this.session.end('complete');
      return { journal: this.journal, done: this.done, failed: this.failed, bytes: this.bytes };
    } finally {
      this.session.end(); // cut short by an error: the journal stays 'open'
    }
  }

  /** One chunk of entries, phase by phase; an entry's first failed action stops its later ones. */
  private async healChunk(chunk: EntryPlan[]): Promise<void> {
    this.inOneCommit(chunk, 'names');
    for (const plan of chunk) {
      for (const a of plan.actions) {
        if (this.errors.has(keyOf(plan))) break;
        if (PHASE_OF[a.op] !== 'content') continue;
        const error = await this.attemptAsync(plan, a, () => this.content(plan, a));
        if (error) this.errors.set(keyOf(plan), error);
      }
    }
    this.syncBricks(chunk);
    const now = chunk.filter((p) => !lastOfAll(p));
    this.inOneCommit(now, 'counters');
    for (const plan of now) this.count(plan);
  }

  private count(plan: EntryPlan): void {
    const error = this.errors.get(keyOf(plan)) ?? null;
    if (error) this.failed++;
    else this.done++;
    this.events.onEntry?.(plan, error);
  }

  /** The chunk's actions of one phase, as one journal batch (quarantine ran before). */
  private inOneCommit(chunk: EntryPlan[], phase: Phase): void {
    const work = chunk.filter((p) => !this.errors.has(keyOf(p)))
      .map((plan) => ({ plan, actions: plan.actions.filter((a) => PHASE_OF[a.op] === phase && a.op !== 'quarantine') }))
      .filter((w) => w.actions.length > 0);
    const results = this.session.journal.batch(work.map(({ plan, actions }) => () => {
      for (const a of actions) {
        try {
          this.immediate(plan, a);
        } catch (e) {
          // The same error object (the journal tells a retry from a failure by its class), with the action named.
          if (e instanceof Error) e.message = `${describeAction(a, this.bricksOf(plan))}: ${e.message}`;
          throw e;
        }
      }
    }));
    results.forEach((error, i) => {
      if (error) this.errors.set(keyOf(work[i]!.plan), error);
    });
  }

  /**
   * Fragments rewritten must be on disk before the counters that vouch for them: one syncfs
   * per filesystem written (bricks that share one need it once).
   */
  private syncBricks(chunk: EntryPlan[]): void {
    const written = new Set<number>();
    for (const plan of chunk) {
      for (const a of plan.actions) {
        if (a.op === 'data') for (const m of [...a.sinks, ...a.cut]) written.add(this.bricksOf(plan)[m]!);
        if (a.op === 'copy') for (const m of a.sinks) written.add(this.bricksOf(plan)[m]!);
      }
    }
    const synced = new Set<bigint>();
    for (const position of written) {
      const root = this.shape.roots[position]!;
      const device = lstatSync(root, { bigint: true }).dev;
      if (synced.has(device)) continue;
      synced.add(device);
      const fd = openSync(root, 'r');
      try {
        native.syncFs(fd);
      } finally {
        closeSync(fd);
      }
    }
  }

  private attempt(plan: EntryPlan, a: HealAction, run: () => void): string | null {
    try {
      run();
      return null;
    } catch (e) {
      return `${describeAction(a, this.bricksOf(plan))}: ${(e as Error).message}`;
    }
  }

  private async attemptAsync(plan: EntryPlan, a: HealAction, run: () => Promise<void>): Promise<string | null> {
    try {
      await run();
      return null;
    } catch (e) {
      return `${describeAction(a, this.bricksOf(plan))}: ${(e as Error).message}`;
    }
  }

  private bricksOf(plan: EntryPlan): number[] {
    return this.shape.sets[plan.verdict.set]!.bricks;
  }

  private root(plan: EntryPlan, member: number): string {
    return this.shape.roots[this.bricksOf(plan)[member]!]!.toString();
  }

  private fileOn(plan: EntryPlan, member: number): Buffer {
    return brickFile(this.shape.roots[this.bricksOf(plan)[member]!]!, plan.verdict.path);
  }

  private step(plan: EntryPlan, op: string): string {
    return `heal ${op} ${escapeName(plan.verdict.path)}`;
  }

  private quarantine(plan: EntryPlan, a: Extract<HealAction, { op: 'quarantine' }>): void {
    const root = this.root(plan, a.member);
    const rel = plan.verdict.path.subarray(1);
    const step = this.step(plan, 'quarantine');
    // Handles go before the names, so a heal killed in between leaves a name the next run moves again.
    if (a.type === 'dir') {
      // The directory leaves with what it holds: its handle, those of the directories inside, and
      // the handles of the inodes inside that no live name keeps.
      const below = entriesUnder(this.db, this.shape, plan, a.member);
      for (const gfid of below.files.keys()) this.moveFileHandle(plan, a.member, gfid, step);
      for (const gfid of [...(a.gfid ? [a.gfid] : []), ...below.dirs]) this.moveDirHandle(root, gfid, step);
    } else if (a.gfid) {
      this.moveFileHandle(plan, a.member, a.gfid, step);
    }
    this.session.moveAside(root, rel, step);
  }

  /** Moves an inode's handle aside when, after this heal, no name on the brick keeps the inode. */
  private moveFileHandle(plan: EntryPlan, member: number, gfid: string, step: string): void {
    const key = `${plan.verdict.set}:${member}:${gfid}`;
    if (this.foresight.named.has(key)) return; // a name this heal makes links to it (a rename)
    const position = this.bricksOf(plan)[member]!;
    const live = this.db.prepare(`SELECT COUNT(*) FROM entries e JOIN bricks b ON b.id = e.brick_id
      WHERE b.position = ? AND e.gfid = ? AND e.area IN ('namespace', 'trashcan')`).pluck().get(position, gfid) as number;
    if (live > (this.foresight.leaving.get(key) ?? 0)) return;
    const rel = Buffer.from(handleRelPath(gfid));
    if (!existsSync(brickFile(this.shape.roots[position]!, Buffer.concat([Buffer.from('/'), rel])))) return;
    this.session.moveAside(this.shape.roots[position]!.toString(), rel, step);
  }

  private moveDirHandle(root: string, gfid: string, step: string): void {
    const rel = Buffer.from(handleRelPath(gfid));
    try {
      readlinkSync(brickFile(Buffer.from(root), Buffer.concat([Buffer.from('/'), rel])));
    } catch {
      return; // no handle (or not a symlink): nothing to move
    }
    this.session.moveAside(root, rel, step);
  }

  /** Data and metadata: read and written in pieces, each journaled on its own. */
  private async content(plan: EntryPlan, a: HealAction): Promise<void> {
    if (a.op === 'data') return this.data(plan, a);
    if (a.op === 'copy') return this.copy(plan, a);
    if (a.op === 'metadata') return this.metadata(plan, a);
  }

  /** Names, counters and index entries: small changes, prepared together in a journal batch. */
  private immediate(plan: EntryPlan, a: HealAction): void {
    switch (a.op) {
      case 'create': return this.create(plan, a);
      case 'counters': return this.counters(plan, a);
      case 'changelog': return this.changelog(plan, a);
      case 'index': {
        for (const m of new Set(a.entries.map((e) => e.member))) {
          const entries = a.entries.filter((e) => e.member === m).map((e) => ({ kind: e.kind, gfid: a.gfid, ...(e.name ? { name: e.name } : {}) }));
          removeIndexEntries(this.session, this.root(plan, m), entries, this.step(plan, 'index'));
        }
        return;
      }
      default: throw new Error(`${a.op} is not made in a batch`);
    }
  }

  /** The inode's copy on `member`, under this name or (a rename it missed) under another. */
  private copyOf(plan: EntryPlan, member: number): BrickCopy {
    const found = plan.verdict.copies.find((c) => c.member === member);
    if (!found) throw new Error(`no copy on ${brickLabel(this.bricksOf(plan)[member]!)}`);
    return found;
  }

  private create(plan: EntryPlan, a: Extract<HealAction, { op: 'create' }>): void {
    const from = this.copyOf(plan, a.from);
    const v = plan.verdict;
    const xattrs = new Map(from.xattrs);
    xattrs.delete('trusted.ec.dirty');
    // A replica copy made here starts with no changelog: the other bricks' still accuses it until the heal ends.
    for (const name of xattrs.keys()) if (name.startsWith('trusted.afr.')) xattrs.delete(name);
    if (from.type === 'file' && xattrs.has('trusted.ec.version')) {
      // Created as a sink being rebuilt: never a source until its counters are set last.
      const version = Buffer.from(xattrs.get('trusted.ec.version')!);
      version.writeBigUInt64BE(EC_HEAL_BIT, 0);
      xattrs.set('trusted.ec.version', version);
      xattrs.set('trusted.ec.size', Buffer.alloc(8));
    }
    const made = createEntry(this.session, {
      root: this.root(plan, a.member), path: v.path, parentGfid: this.parentGfid(plan, a.from), gfid: v.gfid!,
      type: from.type, mode: from.mode, uid: from.uid, gid: from.gid, target: from.target ?? undefined, rdev: deviceOf(from), xattrs,
    }, this.step(plan, 'create'));
    if (made === 'created') {
      const fresh = this.madeFrom.get(plan) ?? new Map<number, number>();
      fresh.set(a.member, a.from);
      this.madeFrom.set(plan, fresh);
    }
  }

  private parentGfid(plan: EntryPlan, member: number): string {
    const path = plan.verdict.path;
    const parent = parentPath(path);
    if (parent.length === 1) return ROOT_GFID;
    const position = this.bricksOf(plan)[member]!;
    const gfid = this.db.prepare(`SELECT e.gfid FROM entries e JOIN bricks b ON b.id = e.brick_id WHERE b.position = ? AND e.path = ?`).pluck().get(position, parent) as string | null | undefined;
    if (!gfid) throw new Error(`the parent directory ${escapeName(parent)} has no gfid on ${position}`);
    return gfid;
  }

  private async data(plan: EntryPlan, a: Extract<HealAction, { op: 'data' }>): Promise<void> {
    const step = this.step(plan, 'data');
    const journal = this.session.journal;
    const marks: Array<{ path: Buffer; name: string; value: Buffer }> = [];
    for (const m of a.sinks) {
      // Read now, not from the catalog: the name may have just been made, or linked to an inode found elsewhere.
      const version = Buffer.alloc(16);
      const current = getXattr(this.fileOn(plan, m), 'trusted.ec.version');
      if (current?.length === 16) current.copy(version);
      version.writeBigUInt64BE(version.readBigUInt64BE(0) | EC_HEAL_BIT, 0);
      if (current?.equals(version)) continue; // made by this heal, marked when made
      marks.push({ path: this.fileOn(plan, m), name: 'trusted.ec.version', value: version });
    }
    journal.setXattrs(marks, step);
    const k = dataFragments(this.shape.layout);
    // By the entry's own name: an inode found under an old name was linked here, and the old name may be in the quarantine now.
    const sources = a.sources.map((m) => ({ member: m, path: this.fileOn(plan, m) }));
    for (const m of a.cut) journal.truncate(this.fileOn(plan, m), a.fragmentBytes, step);
    if (a.sinks.length === 0) return;
    await this.rewriter.rewrite(this.session, {
      k, r: this.shape.layout.redundancy, sources, sinks: a.sinks.map((m) => ({ member: m, path: this.fileOn(plan, m) })),
      fragmentBytes: a.fragmentBytes, step,
    }, (n) => {
      this.bytes += n;
      this.events.onBytes?.(this.bytes);
    });
  }

  /** Replica data heal: the bytes, then the source's times (mdata, max-merged), as AFR's data heal restores them. */
  private copy(plan: EntryPlan, a: Extract<HealAction, { op: 'copy' }>): void {
    const step = this.step(plan, 'data');
    const source = this.copyOf(plan, a.from);
    this.copier.copy(this.session, { source: this.fileOn(plan, a.from), sinks: a.sinks.map((m) => this.fileOn(plan, m)), size: a.size, step }, (n) => {
      this.bytes += n;
      this.events.onBytes?.(this.bytes);
    });
    const mdata = source.xattrs.get(CTIME_MDATA);
    if (!mdata) return;
    const writes = a.sinks.map((m) => ({ path: this.fileOn(plan, m), name: CTIME_MDATA, value: mergeMdata(getXattr(this.fileOn(plan, m), CTIME_MDATA) ?? undefined, mdata) }));
    this.session.journal.setXattrs(writes, step);
    this.alignMdata(plan, step);
  }

  /** Every AFR counter of every member back to zero; the keys stay, as AFR's heal leaves them. */
  private changelog(plan: EntryPlan, a: Extract<HealAction, { op: 'changelog' }>): void {
    const writes: Array<{ path: Buffer; name: string; value: Buffer }> = [];
    for (const m of a.members) {
      const copy = this.copyOfOrNull(plan, m);
      if (!copy) continue; // made by this heal, without a changelog
      for (const [name, value] of copy.xattrs) {
        if (name.startsWith('trusted.afr.') && value.some((byte) => byte !== 0)) writes.push({ path: this.fileOn(plan, m), name, value: Buffer.alloc(value.length) });
      }
    }
    this.session.journal.setXattrs(writes, this.step(plan, 'changelog'));
  }

  private metadata(plan: EntryPlan, a: Extract<HealAction, { op: 'metadata' }>): void {
    const from = this.copyOf(plan, a.from);
    const step = this.step(plan, 'metadata');
    for (const m of a.sinks) {
      // A new object made from the same copy already has exactly its attributes and xattrs.
      if (this.madeFrom.get(plan)?.get(m) === a.from) continue;
      const file = this.fileOn(plan, m);
      const sink = this.copyOfOrNull(plan, m);
      const want = new Map([...from.xattrs].filter(([n]) => comparedXattr(n)));
      const mdata = from.xattrs.get(CTIME_MDATA);
      if (mdata) want.set(CTIME_MDATA, mergeMdata(sink?.xattrs.get(CTIME_MDATA), mdata));
      syncAttrs(this.session, file, { mode: from.mode & 0o7777, uid: from.uid, gid: from.gid }, step);
      syncXattrs(this.session, file, want, (n) => !comparedXattr(n), step);
    }
    this.alignMdata(plan, step);
  }

  /**
   * The brick merges mdata by keeping the newer of each time, so a sink may end newer than
   * its source: every copy of the set then gets the merged value, and the copies agree.
   */
  private alignMdata(plan: EntryPlan, step: string): void {
    const members = this.shape.sets[plan.verdict.set]!.bricks.map((_, m) => m);
    const have = members.map((m) => getXattr(this.fileOn(plan, m), CTIME_MDATA));
    const present = have.filter((v): v is Buffer => v !== null && v !== undefined);
    if (present.length === 0) return;
    const merged = present.reduce((acc, v) => mergeMdata(v, acc));
    const writes = members.filter((_, i) => have[i] && !have[i]!.equals(merged)).map((m) => ({ path: this.fileOn(plan, m), name: CTIME_MDATA, value: merged }));
    this.session.journal.setXattrs(writes, step);
  }

  private copyOfOrNull(plan: EntryPlan, member: number): BrickCopy | null {
    try {
      return this.copyOf(plan, member);
    } catch {
      return null;
    }
  }

  private counters(plan: EntryPlan, a: Extract<HealAction, { op: 'counters' }>): void {
    const step = this.step(plan, 'counters');
    const journal = this.session.journal;
    const version = Buffer.alloc(16);
    version.writeBigUInt64BE(a.version, 0);
    version.writeBigUInt64BE(a.metaVersion, 8);
    // The config every fragment must carry: a source's (a sink's may be missing or foreign).
    const config = plan.verdict.ecData?.sources[0]?.copy.xattrs.get('trusted.ec.config');
    const writes: Array<{ path: Buffer; name: string; value: Buffer }> = [];
    // Where the set keeps dirty counters, every member ends with one at zero, as GlusterFS's
    // own heal leaves them (its xattrop makes the key on a copy it healed).
    const keepsDirty = a.members.some((m) => this.copyOfOrNull(plan, m)?.xattrs.has('trusted.ec.dirty'));
    for (const m of a.members) {
      const path = this.fileOn(plan, m);
      if (config) writes.push({ path, name: 'trusted.ec.config', value: config });
      writes.push({ path, name: 'trusted.ec.version', value: version });
      if (a.size !== null) {
        const size = Buffer.alloc(8);
        size.writeBigUInt64BE(BigInt(a.size), 0);
        writes.push({ path, name: 'trusted.ec.size', value: size });
      }
      if (keepsDirty) writes.push({ path, name: 'trusted.ec.dirty', value: Buffer.alloc(16) });
    }
    journal.setXattrs(writes, step);
  }
}

/** A device node's numbers (Linux's encoding of st_rdev). */
function deviceOf(copy: BrickCopy): { major: number; minor: number } | undefined {
  if (copy.type !== 'chardev' && copy.type !== 'blockdev') return undefined;
  const rdev = lstatSync(copy.file, { bigint: true }).rdev;
  return { major: Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn)), minor: Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn)) };
}
