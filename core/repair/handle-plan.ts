/**
 * What `gfsck rebuild --handles` does to an inspected set of bricks. The inspection's
 * findings are the work list; each one names the handles (by gfid) or names it concerns,
 * and the decision is taken from the catalog's state of those, not from the finding
 * alone, so that several findings about one handle give one consistent action:
 *
 *  1. gfids first (brick-layout.md §2.6, "entry without trusted.gfid", "gfid mismatch"):
 *     where the bricks of a set disagree on a path's gfid, or one lacks it, the gfid held by
 *     a strict majority of the set is written to the odd ones out — only then, and only when
 *     that gfid is not already another inode's on that brick.
 *  2. Then every touched gfid's handle is made what the (corrected) namespace says it must
 *     be: for a named directory a symlink `../../xx/yy/<parent>/<name>`, for anything else
 *     a hard link of the named inode, for the root a symlink `../../..`. What sits there
 *     instead is moved aside; a copy of the right handle in a wrong bucket is moved back.
 *     A handle no name uses is: moved aside when it is a directory, a dangling directory
 *     symlink or a stale alias of an inode whose names carry another gfid; adopted (with
 *     --adopt) or left when it is an orphan, the only link of its inode.
 *  3. gfid2path: missing keys are written, keys that do not match their value rewritten.
 *
 * Nothing is deleted: what is replaced goes to the brick's quarantine (session.moveAside).
 */
import { lstatSync } from 'node:fs';
import { dirname } from 'node:path';
import { ROOT_GFID, dirHandleTarget, formatGfid, gfidToBytes, handleBucket, handleRelPath, isGfidText, parseDirHandleTarget } from '../gfid-tree/gfid.ts';
import { childPath, escapeName, joinPath, parentPath, unescapeName } from '../fs/names.ts';
import { gfid2pathKey, gfid2pathValue } from '../xattr/gfid2path.ts';
import { decodeXattr } from '../xattr/decode.ts';
import { getXattr } from '../fs/xattr.ts';
import { GfsckError } from '../errors.ts';
import { parseXattrJson } from '../index/xattr-column.ts';
import type { BrickRow, Db } from '../index/catalog.ts';
import { HANDLE_INODE_INDEX, handleBucketSql } from '../index/schema.ts';
import type { BrickSet } from '../volume/layout.ts';
import { brickLabel } from '../volume/copies.ts';
import type { EntryType } from '../brick/entry.ts';
import type { ProblemCode } from '../check/problems.ts';
import type { RepairSession } from './session.ts';
import type { AdoptFolder, LastName } from './adopt.ts';

export interface ApplyContext {
  session: RepairSession;
  adopt: AdoptFolder | null;
}

export interface PlannedAction {
  brick: string;
  /** The brick as every report names it (#N). */
  label: string;
  /** The finding this answers. */
  code: ProblemCode;
  /** Escaped volume path, or the gfid when no name is involved. */
  subject: string;
  /** One line: what is done. */
  text: string;
  run(ctx: ApplyContext): void;
}

export interface LeftItem {
  brick: string | null;
  label: string | null;
  code: ProblemCode;
  subject: string;
  why: string;
}

export interface RepairPlan { actions: PlannedAction[]; left: LeftItem[] }

/** Findings this repair acts on (or explains why it cannot). */
export const HANDLE_WORK_CODES: readonly ProblemCode[] = [
  'ROOT_HANDLE_BAD', 'ROOT_HANDLE_MISSING', 'GFID_MISSING', 'SET_GFID_MISMATCH', 'GFID2PATH_MISSING', 'GFID2PATH_BAD_KEY',
  'HANDLE_MISSING', 'HANDLE_WRONG_INODE', 'HANDLE_WRONG_TYPE', 'HANDLE_IS_DIRECTORY', 'DIR_HANDLE_DANGLING', 'DIR_HANDLE_MALFORMED',
  'HANDLE_ORPHAN', 'HANDLE_GFID_MISMATCH', 'HANDLE_WRONG_BUCKET', 'HANDLE_BAD_NAME', 'GFID_DUPLICATE',
];

interface FindingRow { code: ProblemCode; brick_id: number | null; path: Buffer | null; gfid: string | null; message: string; detail: string | null }

interface Entry { id: number; brick_id: number; path: Buffer; parent_gfid: string | null; name: Buffer; type: EntryType; inode: number; gfid: string | null }

interface HandleObject { bucket: string; name: Buffer; type: EntryType; nlink: number; inode: number; size: number; target: Buffer | null; gfid: string | null; xattrs: string | null }

/** What a handle must be. */
type Desired =
  | { kind: 'symlink'; target: Buffer; what: string }
  | { kind: 'link'; inode: number; from: Entry };

const ENTRY_COLUMNS = `id, brick_id, path, parent_gfid, name, type, inode, gfid`;
const HANDLE_COLUMNS = `bucket, name, type, nlink, inode, size, target, gfid, xattrs`;
const ROOT_TARGET = Buffer.from('../../..');
const BUCKET_MODE = 0o700;

const handleRel = (gfid: string) => Buffer.from(handleRelPath(gfid));
const objectRel = (h: HandleObject) => Buffer.concat([Buffer.from(`.glusterfs/${h.bucket}/`), h.name]);
const label = (rel: Buffer) => escapeName(rel);
/** A directory handle is a bare symlink; a user symlink's handle has trusted.gfid. */
const isDirHandle = (h: HandleObject) => h.type === 'symlink' && h.gfid === null;
const describeObject = (h: HandleObject) => (h.type === 'dir' ? 'a directory' : isDirHandle(h) ? `a symlink -> ${escapeName(h.target!)}` : `a ${h.type}, inode ${h.inode}`);

/** Entries in path order, so the same name is always the one shown. */
const byName = (rows: Entry[]): Entry[] => rows.sort((x, y) => Buffer.compare(x.path, y.path));

/** Fails the action when the object is no longer the inode the plan saw. */
function expectInode(abs: Buffer, inode: number, what: string): void {
  let now: number | null = null;
  try {
    now = Number(lstatSync(abs).ino);
  } catch {
    // gone
  }
  if (now !== inode) throw new GfsckError('operational', `${what} changed since the scan (${escapeName(abs)})`);
}

export function planHandleRepairs(db: Db, bricks: BrickRow[], sets: BrickSet[], opts: { adopt: boolean }): RepairPlan {
  return new HandlePlanner(db, bricks, sets, opts.adopt).plan();
}

class HandlePlanner {
  private readonly actions = { gfids: [] as PlannedAction[], handles: [] as PlannedAction[], xattrs: [] as PlannedAction[] };
  private readonly left: LeftItem[] = [];
  /** `${brick}:${path hex}` -> the gfid the set's majority gives it. */
  private readonly settled = new Map<string, { entry: Entry; gfid: string }>();
  /** `${brick}:${gfid}` -> the entries a settlement gives that gfid. */
  private readonly settledTo = new Map<string, Entry[]>();
  /** `${brick}:${inode}` -> the gfid written to it: hard links share one trusted.gfid. */
  private readonly settledInodes = new Map<string, string>();
  /** gfids in a split-brain no majority settles, per brick: their handles are left alone. */
  private readonly disputed = new Set<string>();
  /** `${brick}:${path hex}` of the names in such a split-brain. */
  private readonly disputedPaths = new Set<string>();
  private readonly settledPaths = new Set<string>();
  /** `${brick}:${gfid}` keys a settlement gives or takes away: their findings are answered by it. */
  private readonly settledKeys = new Set<string>();
  private readonly rootsPlanned = new Set<number>();
  /** `${brick}:${gfid}` in the order first touched, with the finding that touched it. */
  private readonly touched = new Map<string, { brick: BrickRow; gfid: string; code: ProblemCode }>();
  /** Keys (touched gfids, settled paths) that ended in an action or a left item. */
  private readonly answered = new Set<string>();
  private readonly doneXattrs = new Set<string>();
  private readonly misplacedByBrick = new Map<number, Map<string, HandleObject[]>>();
  private readonly byId: Map<number, BrickRow>;
  private readonly q;

  constructor(db: Db, private readonly bricks: BrickRow[], private readonly sets: BrickSet[], private readonly adopting: boolean) {
    this.byId = new Map(bricks.map((b) => [b.id, b]));
    db.exec(HANDLE_INODE_INDEX);
    this.q = {
      findings: db.prepare(`SELECT code, brick_id, path, gfid, message, detail FROM findings WHERE code IN (${HANDLE_WORK_CODES.map(() => '?').join(',')}) ORDER BY id`),
      entryAt: db.prepare(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE brick_id = ? AND path = ?`),
      // No ORDER BY here: it makes SQLite walk the (path, brick_id) index, every path,
      // instead of the gfid or inode index. The few rows are sorted by byName instead.
      withGfid: db.prepare(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE brick_id = ? AND gfid = ?`),
      ofInode: db.prepare(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE brick_id = ? AND inode = ?`),
      handleAt: db.prepare(`SELECT ${HANDLE_COLUMNS} FROM handles WHERE brick_id = ? AND bucket = ? AND name = ?`),
      handlesOfInode: db.prepare(`SELECT ${HANDLE_COLUMNS} FROM handles WHERE brick_id = ? AND inode = ?`),
      misplaced: db.prepare(`SELECT ${HANDLE_COLUMNS} FROM handles WHERE brick_id = ?
        AND bucket != ${handleBucketSql('CAST(name AS TEXT)')}`),
      gfid2pathXattrs: db.prepare(`SELECT name, value FROM xattrs WHERE entry_id = ? AND name LIKE 'trusted.gfid2path.%'`),
      dirPath: db.prepare(`SELECT path FROM entries WHERE brick_id = ? AND gfid = ? AND type = 'dir' LIMIT 1`).pluck(),
    };
  }

  private root(b: BrickRow): string {
    return b.root.toString();
  }

  private abs(b: BrickRow, rel: Buffer): Buffer {
    return rel.length === 1 && rel[0] === 0x2f ? Buffer.from(b.root) : joinPath(Buffer.from(b.root), rel[0] === 0x2f ? rel.subarray(1) : rel);
  }

  private leave(brick: BrickRow | null, code: ProblemCode, subject: string, why: string, key?: string): void {
    this.left.push({ brick: brick ? this.root(brick) : null, label: brick ? brickLabel(brick.position) : null, code, subject, why });
    if (key) this.answered.add(key);
  }

  private act(list: PlannedAction[], brick: BrickRow, code: ProblemCode, subject: string, text: string, run: (ctx: ApplyContext) => void, key?: string): void {
    list.push({ brick: this.root(brick), label: brickLabel(brick.position), code, subject, text, run });
    if (key) this.answered.add(key);
  }

  plan(): RepairPlan {
    const findings = this.q.findings.all(...HANDLE_WORK_CODES) as FindingRow[];
    for (const f of findings) {
      if ((f.code === 'SET_GFID_MISMATCH' || f.code === 'GFID_MISSING') && f.path) this.settlePath(f.path, f.code);
    }
    const work = findings.map((f) => ({ f, keys: this.workOn(f) }));
    for (const t of this.touched.values()) this.planHandle(t.brick, t.gfid, t.code);
    // A finding none of whose handles or names led anywhere must not vanish silently.
    for (const { f, keys } of work) {
      if (keys.length > 0 && !keys.some((k) => this.answered.has(k) || this.settledKeys.has(k))) {
        const brick = f.brick_id === null ? null : this.byId.get(f.brick_id)!;
        this.leave(brick, f.code, f.path ? escapeName(f.path) : f.gfid ?? '?', 'no safe repair found: the handle state does not match any repair gfsck knows');
      }
    }
    return { actions: [...this.actions.gfids, ...this.actions.handles, ...this.actions.xattrs], left: this.left };
  }

  private touch(brick: BrickRow, gfid: string | null, code: ProblemCode): string[] {
    if (!gfid || !isGfidText(gfid)) return [];
    const key = `${brick.id}:${gfid}`;
    if (!this.touched.has(key)) this.touched.set(key, { brick, gfid, code });
    return [key];
  }

  /** Dispatches one finding; returns the keys whose outcome answers it. */
  private workOn(f: FindingRow): string[] {
    const brick = f.brick_id === null ? null : this.byId.get(f.brick_id)!;
    switch (f.code) {
      case 'SET_GFID_MISMATCH':
      case 'GFID_MISSING':
        return []; // settled above; left items were made there
      case 'ROOT_HANDLE_BAD':
      case 'ROOT_HANDLE_MISSING':
        this.planRoot(brick!, f.code);
        return [];
      case 'HANDLE_BAD_NAME':
        this.leave(brick, f.code, '(handle tree)', `${f.message}: so not GlusterFS's; look at it and move it out of .glusterfs yourself`);
        return [];
      case 'GFID2PATH_MISSING':
        this.planGfid2pathMissing(brick!, f);
        return [];
      case 'GFID2PATH_BAD_KEY':
        this.planGfid2pathRekey(brick!, f);
        return [];
      case 'HANDLE_GFID_MISMATCH': {
        const keys = this.touch(brick!, f.gfid, f.code);
        const entry = f.path ? (this.q.entryAt.get(brick!.id, f.path) as Entry | undefined) : undefined;
        if (entry) {
          for (const h of this.q.handlesOfInode.all(brick!.id, entry.inode) as HandleObject[]) {
            keys.push(...this.touch(brick!, h.name.toString('latin1'), f.code));
          }
        }
        return keys;
      }
      default:
        return this.touch(brick!, f.gfid, f.code);
    }
  }

  // ---- 1. gfids settled by the set's majority ---------------------------------------

  private setOf(brick: BrickRow): BrickRow[] {
    const set = this.sets[brick.set_index]!;
    return set.bricks.map((pos) => this.bricks[pos]!);
  }

  private settlePath(path: Buffer, code: ProblemCode): void {
    const pathKey = path.toString('hex');
    if (this.settledPaths.has(pathKey)) return;
    this.settledPaths.add(pathKey);
    for (const set of this.sets) {
      const members = set.bricks.map((pos) => this.bricks[pos]!);
      const rows = members.map((b) => this.q.entryAt.get(b.id, path) as Entry | undefined).filter((r): r is Entry => r !== undefined);
      if (rows.length === 0) continue;
      const votes = new Map<string, Entry[]>();
      for (const r of rows) if (r.gfid) votes.set(r.gfid, [...(votes.get(r.gfid) ?? []), r]);
      if (rows.every((r) => r.gfid !== null) && votes.size <= 1) continue;
      const [majority, holders] = [...votes.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? [null, []];
      const hasMajority = majority !== null && holders.length * 2 > members.length;
      for (const r of rows) {
        if (r.gfid === majority && hasMajority) continue;
        const brick = this.byId.get(r.brick_id)!;
        const key = `${brick.id}:${pathKey}`;
        if (!hasMajority) {
          for (const g of votes.keys()) this.disputed.add(`${brick.id}:${g}`);
          this.disputedPaths.add(key);
          const tally = [...votes.entries()].map(([g, v]) => `${g} on ${v.length}`).join(', ') || 'no brick has one';
          const why = members.length === 1
            ? 'its set has no other brick to take the gfid from: set it by hand (a lookup would invent a new one)'
            : `no gfid is held by a majority of the set's ${members.length} bricks (${tally}): choose one by hand`;
          this.leave(brick, code, escapeName(path), why, key);
          continue;
        }
        this.settleEntry(brick, r, majority!, holders, code, key);
      }
    }
  }

  private settleEntry(brick: BrickRow, entry: Entry, gfid: string, holders: Entry[], code: ProblemCode, key: string): void {
    const subject = escapeName(entry.path);
    if (holders.some((h) => h.type !== entry.type)) {
      this.leave(brick, code, subject, `here it is a ${entry.type}, on the bricks holding ${gfid} it is a ${holders[0]!.type}: heal decides, not a gfid fix`, key);
      return;
    }
    const others = byName(this.q.withGfid.all(brick.id, gfid) as Entry[]).filter((e) => e.inode !== entry.inode);
    if (others.length > 0) {
      this.leave(brick, code, subject, `the set's gfid ${gfid} is already ${escapeName(others[0]!.path)}'s on this brick: giving it to this name too would make two inodes share it`, key);
      return;
    }
    const inodeKey = `${brick.id}:${entry.inode}`;
    const already = this.settledInodes.get(inodeKey);
    if (already !== undefined && already !== gfid) {
      this.leave(brick, code, subject, `its inode's other names are given ${already} by the set, this one ${gfid}: hard links share one gfid, so choose by hand`, key);
      return;
    }
    this.settled.set(key, { entry, gfid });
    this.settledTo.set(`${brick.id}:${gfid}`, [...(this.settledTo.get(`${brick.id}:${gfid}`) ?? []), entry]);
    if (already === gfid) return; // a hard link of an inode already given this gfid: one write serves all its names
    this.settledInodes.set(inodeKey, gfid);
    const agreeing = holders.map((h) => brickLabel(this.byId.get(h.brick_id)!.position)).join(',');
    const abs = this.abs(brick, entry.path);
    const text = `set trusted.gfid of ${subject} to ${gfid} (was ${entry.gfid ?? 'missing'}; ${agreeing} agree)`;
    this.act(this.actions.gfids, brick, code, subject, text, ({ session }) => {
      expectInode(abs, entry.inode, subject);
      const now = getXattr(abs, 'trusted.gfid');
      const nowText = now && now.length === 16 ? formatGfid(now) : null;
      if (nowText !== entry.gfid) throw new GfsckError('operational', `${subject}: trusted.gfid changed since the scan`);
      session.journal.setXattr(abs, 'trusted.gfid', gfidToBytes(gfid), text);
    }, key);
    for (const g of [gfid, entry.gfid]) {
      if (g) this.settledKeys.add(this.touch(brick, g, code)[0]!);
    }
  }

  private effectiveGfid(brick: BrickRow, e: Entry): string | null {
    return this.settled.get(`${brick.id}:${e.path.toString('hex')}`)?.gfid ?? e.gfid;
  }

  /** Entries of this brick that carry `gfid` once the settlements are made. */
  private namedEntries(brick: BrickRow, gfid: string): Entry[] {
    const now = (this.q.withGfid.all(brick.id, gfid) as Entry[]).filter((e) => this.effectiveGfid(brick, e) === gfid);
    for (const e of this.settledTo.get(`${brick.id}:${gfid}`) ?? []) if (!now.some((n) => n.id === e.id)) now.push(e);
    return byName(now);
  }

  // ---- 2. handles ----------------------------------------------------------------------

  private misplaced(brick: BrickRow, gfid: string): HandleObject[] {
    let map = this.misplacedByBrick.get(brick.id);
    if (!map) {
      map = new Map();
      for (const h of this.q.misplaced.all(brick.id) as HandleObject[]) {
        const name = h.name.toString('latin1');
        if (isGfidText(name)) map.set(name, [...(map.get(name) ?? []), h]);
      }
      this.misplacedByBrick.set(brick.id, map);
    }
    return map.get(gfid) ?? [];
  }

  private desiredFor(brick: BrickRow, e: Entry): Desired | string {
    if (e.type !== 'dir') return { kind: 'link', inode: e.inode, from: e };
    const parent = this.q.entryAt.get(brick.id, parentPath(e.path)) as Entry | undefined;
    const parentGfid = parent ? this.effectiveGfid(brick, parent) : e.parent_gfid;
    if (!parentGfid) return `its parent directory ${escapeName(parentPath(e.path))} has no gfid, so the handle cannot name it`;
    const target = dirHandleTarget(parentGfid, e.name);
    return { kind: 'symlink', target, what: `symlink -> ${escapeName(target)}` };
  }

  private matches(h: HandleObject, d: Desired): boolean {
    return d.kind === 'link' ? h.type !== 'dir' && h.inode === d.inode : isDirHandle(h) && h.target!.equals(d.target);
  }

  private planRoot(brick: BrickRow, code: ProblemCode): void {
    if (this.rootsPlanned.has(brick.id)) return;
    this.rootsPlanned.add(brick.id);
    const rel = handleRel(ROOT_GFID);
    const current = this.q.handleAt.get(brick.id, handleBucket(ROOT_GFID), Buffer.from(ROOT_GFID)) as HandleObject | undefined;
    if (current && current.type === 'symlink' && current.target?.equals(ROOT_TARGET)) return;
    const text = `${current ? `move aside ${label(rel)} (${describeObject(current)}) and ` : ''}symlink ${label(rel)} -> ../../.. (the root handle)`;
    this.act(this.actions.handles, brick, code, '/', text, ({ session }) => {
      if (current) {
        expectInode(this.abs(brick, rel), current.inode, 'the root handle');
        session.moveAside(this.root(brick), rel, text);
      }
      session.ensureDir(this.abs(brick, Buffer.from(dirname(rel.toString()))), BUCKET_MODE, text);
      session.journal.symlink(ROOT_TARGET, this.abs(brick, rel), text);
    });
  }

  private planHandle(brick: BrickRow, gfid: string, code: ProblemCode): void {
    if (gfid === ROOT_GFID) return this.planRoot(brick, code);
    const key = `${brick.id}:${gfid}`;
    const rel = handleRel(gfid);
    const current = this.q.handleAt.get(brick.id, handleBucket(gfid), Buffer.from(gfid)) as HandleObject | undefined;
    const misplaced = this.misplaced(brick, gfid);
    const named = this.namedEntries(brick, gfid);
    if (named.length > 0) return this.planNamedHandle(brick, gfid, code, key, rel, current, misplaced, named);
    if (this.disputed.has(key)) {
      if (current || misplaced.length > 0) this.leave(brick, code, gfid, 'this gfid is in a split-brain no majority settles: its handle stays until that is decided', key);
      return;
    }
    if (current) {
      this.planUnnamedHandle(brick, gfid, code, key, rel, current);
      for (const m of misplaced) this.leave(brick, 'HANDLE_WRONG_BUCKET', gfid, `${label(objectRel(m))} cannot move to ${label(rel)}: something is already there`, key);
    } else if (misplaced.length > 0) {
      const [first, ...rest] = misplaced as [HandleObject, ...HandleObject[]];
      this.planMove(brick, 'HANDLE_WRONG_BUCKET', gfid, first, rel, key);
      for (const m of rest) this.leave(brick, 'HANDLE_WRONG_BUCKET', gfid, `${label(objectRel(m))}: another copy of this handle was moved to ${label(rel)}`, key);
    }
  }

  private planNamedHandle(brick: BrickRow, gfid: string, code: ProblemCode, key: string, rel: Buffer, current: HandleObject | undefined,
    misplaced: HandleObject[], named: Entry[]): void {
    const subject = escapeName(named[0]!.path);
    if (named.some((e) => this.disputedPaths.has(`${brick.id}:${e.path.toString('hex')}`))) {
      this.leave(brick, code, subject, `its gfid is in a split-brain no majority settles: its handle ${label(rel)} stays as it is until that is decided`, key);
      return;
    }
    const inodes = new Set(named.map((e) => e.inode));
    if (inodes.size > 1) {
      this.leave(brick, 'GFID_DUPLICATE', subject, `gfid ${gfid} is carried by different inodes (${named.map((e) => escapeName(e.path)).join(', ')}): one of them needs a new gfid, on every brick of the set`, key);
      return;
    }
    const desired = this.desiredFor(brick, named[0]!);
    if (typeof desired === 'string') {
      this.leave(brick, code, subject, desired, key);
      return;
    }
    const reuse = current && this.matches(current, desired) ? null : misplaced.find((m) => this.matches(m, desired));
    if (!current || !this.matches(current, desired)) {
      const parts: string[] = [];
      if (current) parts.push(`move aside ${label(rel)} (${describeObject(current)})`);
      if (reuse) parts.push(`move ${label(objectRel(reuse))} to ${label(rel)}`);
      else parts.push(desired.kind === 'link' ? `link ${label(rel)} to ${escapeName(desired.from.path)}` : `${desired.what} as ${label(rel)}`);
      const text = parts.join(', then ');
      this.act(this.actions.handles, brick, code, subject, text, ({ session }) => {
        if (current) {
          expectInode(this.abs(brick, rel), current.inode, 'the handle');
          session.moveAside(this.root(brick), rel, text);
        }
        session.ensureDir(this.abs(brick, Buffer.from(dirname(rel.toString()))), BUCKET_MODE, text);
        if (reuse) {
          expectInode(this.abs(brick, objectRel(reuse)), reuse.inode, 'the misplaced handle');
          session.journal.rename(this.abs(brick, objectRel(reuse)), this.abs(brick, rel), text);
        } else if (desired.kind === 'link') {
          const from = this.abs(brick, desired.from.path);
          expectInode(from, desired.inode, subject);
          session.journal.link(from, this.abs(brick, rel), text);
        } else {
          session.journal.symlink(desired.target, this.abs(brick, rel), text);
        }
      }, key);
    }
    for (const m of misplaced) {
      if (m !== reuse) this.planQuarantine(brick, 'HANDLE_WRONG_BUCKET', subject, m, `a stray copy of ${label(rel)} in the wrong bucket`, key);
    }
  }

  private planUnnamedHandle(brick: BrickRow, gfid: string, code: ProblemCode, key: string, rel: Buffer, current: HandleObject): void {
    if (current.type === 'dir') {
      return this.planQuarantine(brick, 'HANDLE_IS_DIRECTORY', gfid, current, 'a real directory where a handle belongs, and no name carries this gfid', key);
    }
    if (isDirHandle(current)) {
      const parsed = parseDirHandleTarget(current.target!);
      if (parsed && parsed !== 'root') {
        const parent = this.q.dirPath.get(brick.id, parsed.parentGfid) as Buffer | undefined;
        const dir = parent ? (this.q.entryAt.get(brick.id, childPath(parent, parsed.name)) as Entry | undefined) : undefined;
        if (dir?.type === 'dir' && dir.gfid === null) {
          this.leave(brick, code, gfid, `it names ${escapeName(dir.path)}, which has no gfid and no majority to take one from: set that first`, key);
          return;
        }
      }
      return this.planQuarantine(brick, 'DIR_HANDLE_DANGLING', gfid, current, 'a directory handle no directory answers to (GlusterFS would delete it)', key);
    }
    const names = byName(this.q.ofInode.all(brick.id, current.inode) as Entry[]);
    if (names.length > 0) {
      const carried = names.map((e) => this.effectiveGfid(brick, e));
      if (carried.some((g) => g === null || this.disputed.has(`${brick.id}:${g}`))) {
        this.leave(brick, code, gfid, `it links ${escapeName(names[0]!.path)}, whose own gfid is missing or disputed: settle that first`, key);
        return;
      }
      return this.planQuarantine(brick, 'HANDLE_GFID_MISMATCH', escapeName(names[0]!.path), current,
        `a stale alias: the inode (${escapeName(names[0]!.path)}) carries gfid ${carried[0]}, and no name carries ${gfid}`, key);
    }
    this.planOrphan(brick, gfid, key, rel, current);
  }

  private planQuarantine(brick: BrickRow, code: ProblemCode, subject: string, obj: HandleObject, why: string, key: string): void {
    const rel = objectRel(obj);
    const text = `move aside ${label(rel)} (${describeObject(obj)}): ${why}`;
    this.act(this.actions.handles, brick, code, subject, text, ({ session }) => {
      expectInode(this.abs(brick, rel), obj.inode, label(rel));
      session.moveAside(this.root(brick), rel, text);
    }, key);
  }

  private planMove(brick: BrickRow, code: ProblemCode, subject: string, obj: HandleObject, to: Buffer, key: string): void {
    const from = objectRel(obj);
    const text = `move ${label(from)} to ${label(to)} (the bucket its name belongs in)`;
    this.act(this.actions.handles, brick, code, subject, text, ({ session }) => {
      expectInode(this.abs(brick, from), obj.inode, label(from));
      session.ensureDir(this.abs(brick, Buffer.from(dirname(to.toString()))), BUCKET_MODE, text);
      session.journal.rename(this.abs(brick, from), this.abs(brick, to), text);
    }, key);
  }

  private planOrphan(brick: BrickRow, gfid: string, key: string, rel: Buffer, h: HandleObject): void {
    const lastNames: LastName[] = Object.values(parseXattrJson(h.xattrs))
      .filter((d) => d.kind === 'gfid2path')
      .map((d) => {
        const parent = this.q.dirPath.get(brick.id, d.parentGfid as string) as Buffer | undefined;
        return { parentGfid: d.parentGfid as string, name: d.name as string, path: parent ? escapeName(childPath(parent, unescapeName(d.name as string))) : null };
      });
    const known = lastNames.map((n) => n.path ?? `<gfid:${n.parentGfid}>/${n.name}`).join(', ') || 'no name recorded';
    const what = `orphan ${label(rel)} (${h.type}, ${h.size} bytes, last known as ${known})`;
    if (!this.adopting) {
      const elsewhere = this.setOf(brick).filter((b) => b.id !== brick.id && (this.q.withGfid.all(b.id, gfid) as Entry[]).length > 0);
      const hint = elsewhere.length > 0 ? `; ${elsewhere.map((b) => escapeName(b.root)).join(', ')} still name it, so a heal recreates the name here` : '';
      this.leave(brick, 'HANDLE_ORPHAN', gfid, `${what}: it may hold the only copy of its data; --adopt DIR saves it and takes it out of the handle tree${hint}`, key);
      return;
    }
    const text = `adopt ${what}, then move the handle aside`;
    this.act(this.actions.handles, brick, 'HANDLE_ORPHAN', gfid, text, ({ session, adopt }) => {
      expectInode(this.abs(brick, rel), h.inode, label(rel));
      adopt!.adopt(session, { brick: this.root(brick), gfid, handle: rel, type: h.type, size: h.size, lastNames }, text);
    }, key);
  }

  // ---- 3. gfid2path ------------------------------------------------------------------

  private planGfid2pathMissing(brick: BrickRow, f: FindingRow): void {
    const entry = this.q.entryAt.get(brick.id, f.path) as Entry | undefined;
    const detail = f.detail ? (JSON.parse(f.detail) as { parentGfid?: string; name?: string }) : {};
    if (!entry || !detail.parentGfid || detail.name === undefined) {
      this.leave(brick, f.code, escapeName(f.path ?? Buffer.alloc(0)), 'the finding does not say which name is missing; rerun gfsck inspect');
      return;
    }
    const value = gfid2pathValue(detail.parentGfid, unescapeName(detail.name));
    const key = gfid2pathKey(value);
    if (!this.firstFor(brick, entry, key)) return;
    const subject = escapeName(entry.path);
    const abs = this.abs(brick, entry.path);
    const text = `set ${key} = ${escapeName(value)} on ${subject}`;
    this.act(this.actions.xattrs, brick, f.code, subject, text, ({ session }) => {
      expectInode(abs, entry.inode, subject);
      session.journal.setXattr(abs, key, value, text);
    });
  }

  private planGfid2pathRekey(brick: BrickRow, f: FindingRow): void {
    const entry = this.q.entryAt.get(brick.id, f.path) as Entry | undefined;
    if (!entry) return;
    const subject = escapeName(entry.path);
    const abs = this.abs(brick, entry.path);
    const present = this.q.gfid2pathXattrs.all(entry.id) as Array<{ name: string; value: Buffer }>;
    for (const { name, value } of present) {
      const d = decodeXattr(name, value);
      if (d.kind !== 'gfid2path' || d.keyMatches || !this.firstFor(brick, entry, name)) continue;
      const keep = present.some((x) => x.name === d.expectedKey);
      const text = `rewrite ${name} under ${d.expectedKey} on ${subject} (the key must be the XXH64 of the value)`;
      this.act(this.actions.xattrs, brick, f.code, subject, text, ({ session }) => {
        expectInode(abs, entry.inode, subject);
        if (!keep) session.journal.setXattr(abs, d.expectedKey, value, text);
        session.journal.removeXattr(abs, name, text);
      });
    }
  }

  /** Hard links share xattrs: one change per inode and key. */
  private firstFor(brick: BrickRow, entry: Entry, key: string): boolean {
    const id = `${brick.id}:${entry.inode}:${key}`;
    if (this.doneXattrs.has(id)) return false;
    this.doneXattrs.add(id);
    return true;
  }
}
