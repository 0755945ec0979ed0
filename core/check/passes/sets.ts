/**
 * Pass 5: the bricks of one replica/disperse set hold the same namespace, so they are
 * compared name by name; across sets (DHT subvolumes) every file must sit where its name
 * hashes, or be reachable through a linkto there.
 */
import { baseName } from '../../fs/names.ts';
import { dhtHash } from '../../dht/hash.ts';
import { isCompared, type BrickSet } from '../../volume/layout.ts';
import type { CheckContext } from '../context.ts';
import { isLinkto, type EntryRow } from '../rows.ts';
import { parseXattrJson } from '../../index/xattr-column.ts';
import { copyFromRow, COPY_COLUMNS, type CopyRow } from '../../index/copies.ts';
import { isLinktoCopy, setOf, type BrickCopy } from '../../volume/copies.ts';
import { judgeEntry, judgeSetName, labels, type EntryVerdict, type SetView } from '../../heal/verdict.ts';
import { where } from '../../heal/names.ts';
import { parentPath } from '../../fs/names.ts';

const PAGE = 2000;

export function checkSets(ctx: CheckContext): void {
  for (const set of ctx.sets) if (isCompared(set)) compareSet(ctx, set);
  if (ctx.sets.length > 1) checkPlacement(ctx);
}

/** Rows of one set grouped by path, in path order, read a page at a time. */
function* rowsByPath(ctx: CheckContext, brickIds: number[]): Generator<EntryRow[]> {
  const marks = brickIds.map(() => '?').join(',');
  const stmt = ctx.db.prepare(`SELECT *, CAST(ec_version_data AS TEXT) AS ec_version_data FROM entries
    WHERE brick_id IN (${marks}) AND area != 'anon-inode' AND (path, brick_id) > (?, ?)
    ORDER BY path, brick_id LIMIT ${PAGE}`);
  let after: [Buffer, number] = [Buffer.alloc(0), -1];
  let group: EntryRow[] = [];
  for (;;) {
    const rows = stmt.all(...brickIds, ...after) as EntryRow[];
    for (const r of rows) {
      if (group.length > 0 && !group[0]!.path.equals(r.path)) {
        yield group;
        group = [];
      }
      group.push(r);
    }
    if (rows.length < PAGE) break;
    const last = rows[rows.length - 1]!;
    after = [last.path, last.brick_id];
  }
  if (group.length > 0) yield group;
}

function distinct<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/**
 * Each path of the set is judged by the heal verdict (core/heal/verdict.ts), and its
 * findings are that verdict in the problem table's words. Names inside a directory that is
 * itself missing or stale on a brick are reported once, at the directory.
 */
function compareSet(ctx: CheckContext, set: BrickSet): void {
  const members = set.bricks.map((pos) => ctx.bricks[pos]!);
  const shape = { layout: ctx.layout, roots: positionRoots(ctx) };
  const view: SetView = { layout: ctx.layout, set, participants: set.bricks.map((pos) => setOf(shape, pos).member) };
  const missingDirs = new Set<string>(); // `${brickId}:${hex path}`
  const parents = new ParentCache(ctx, shape, members.map((b) => b.id));
  const byGfid = ctx.db.prepare(`SELECT ${COPY_COLUMNS} FROM entries e JOIN bricks b ON b.id = e.brick_id
    WHERE e.gfid = ? AND e.brick_id = ? AND e.area IN ('namespace', 'trashcan') LIMIT 1`);
  for (const rows of rowsByPath(ctx, members.map((b) => b.id))) {
    const path = rows[0]!.path;
    const present = new Set(rows.map((r) => r.brick_id));
    const parentKey = (id: number) => `${id}:${parentPath(path).toString('hex')}`;
    const absent = members.filter((b) => !present.has(b.id));
    if (rows.some((r) => r.type === 'dir')) {
      for (const b of absent) missingDirs.add(`${b.id}:${path.toString('hex')}`);
    }
    if (absent.length > 0 && absent.every((b) => missingDirs.has(parentKey(b.id)))) continue;
    const copies = rows.map((r) => copyFromRow({ ...r, position: ctx.brick(r.brick_id).position }, shape));
    if (copies.some(isLinktoCopy)) continue; // DHT pointers: checked by placement
    const name = judgeSetName(view, copies, path.length > 1 ? parents.get(parentPath(path)) : null);
    let inode = copies;
    if (name.kind === 'present' && name.missing.length > 0 && name.group.gfid && name.group.type !== 'dir') {
      inode = [...name.group.copies];
      for (const m of name.missing) {
        const row = byGfid.get(name.group.gfid, ctx.bricks[set.bricks[m]!]!.id) as CopyRow | undefined;
        if (row) inode.push(copyFromRow(row, shape));
      }
    } else if (name.kind === 'present') {
      inode = name.group.copies;
    }
    const verdict = judgeEntry(view, path, name, inode);
    reportVerdict(ctx, view, verdict, rows);
    if (name.kind === 'stale') {
      for (const g of name.stale) for (const c of g.copies) if (c.type === 'dir') missingDirs.add(`${ctx.bricks[c.brick]!.id}:${path.toString('hex')}`);
    }
  }
}

/** Brick roots by volume position. */
function positionRoots(ctx: CheckContext): Buffer[] {
  const roots: Buffer[] = [];
  for (const b of ctx.bricks) roots[b.position] = b.root;
  return roots;
}

/** The set's copies of recently seen directories: path order visits a parent before its names. */
class ParentCache {
  private readonly cache = new Map<string, BrickCopy[]>();
  private readonly stmt;

  constructor(ctx: CheckContext, private readonly shape: { layout: CheckContext['layout']; roots: Buffer[] }, brickIds: number[]) {
    this.stmt = ctx.db.prepare(`SELECT ${COPY_COLUMNS} FROM entries e JOIN bricks b ON b.id = e.brick_id
      WHERE e.path = ? AND e.brick_id IN (${brickIds.map(() => '?').join(',')}) ORDER BY b.position`);
    this.brickIds = brickIds;
  }

  private readonly brickIds: number[];

  get(path: Buffer): BrickCopy[] {
    const key = path.toString('latin1');
    let copies = this.cache.get(key);
    if (!copies) {
      if (this.cache.size > 1000) this.cache.clear();
      copies = (this.stmt.all(path, ...this.brickIds) as CopyRow[]).map((r) => copyFromRow(r, this.shape));
      this.cache.set(key, copies);
    }
    return copies;
  }
}

function reportVerdict(ctx: CheckContext, view: SetView, v: EntryVerdict, rows: EntryRow[]): void {
  const label = (id: number) => ctx.brickName(ctx.brick(id));
  const brickOf = (member: number) => ctx.bricks[view.set.bricks[member]!]!;
  const path = v.path;
  const name = v.name;
  if (name.kind === 'conflict') {
    const gfid = name.groups[0]!.gfid;
    if (name.what === 'type') {
      ctx.report('SET_TYPE_MISMATCH', { path, gfid, vars: { types: rows.map((r) => `${label(r.brick_id)}=${r.type}`).join(', ') } });
    } else {
      ctx.report('SET_GFID_MISMATCH', {
        path, gfid, brick: brickOf(name.groups[1]!.copies[0]!.member),
        vars: { gfids: rows.map((r) => `${label(r.brick_id)}=${r.gfid ?? 'none'}`).join(', ') },
      });
    }
    return;
  }
  if (name.kind === 'stale') {
    for (const g of name.stale) {
      ctx.report('SET_STALE_NAME', {
        path, gfid: g.gfid, brick: brickOf(g.copies[0]!.member),
        vars: { presentBricks: where(g), why: name.evidence.find((e) => e.includes(where(g))) ?? name.evidence[0] ?? '' },
        detail: { stale: g.copies.map((c) => c.member) },
      });
    }
    return;
  }
  if (name.stale.length > 0) {
    // A minority holds another inode under the name: a gfid mismatch, named by the majority's gfid.
    ctx.report('SET_GFID_MISMATCH', {
      path, gfid: v.gfid, brick: brickOf(name.stale[0]!.copies[0]!.member),
      vars: { gfids: rows.map((r) => `${label(r.brick_id)}=${r.gfid ?? 'none'}`).join(', ') },
    });
  }
  if (name.missing.length > 0) {
    ctx.report('SET_ENTRY_MISSING', {
      path, gfid: v.gfid, brick: brickOf(name.missing[0]!),
      vars: { missingBricks: labels(view, name.missing), presentBricks: where(name.group) },
      detail: { missing: name.missing.map((m) => view.set.bricks[m]!) },
    });
  }
  if (v.ecData) reportEcData(ctx, view, v, rows);
  if (v.afr) {
    // An entry split-brain is no error: heal merges the names (every name kept on every brick).
    const how = v.afr.fileData?.how;
    if (how === 'split-brain' || how === 'arbiter-only') ctx.report('AFR_SPLIT_BRAIN', { path, gfid: v.gfid, vars: { kind: 'data', matrix: v.afr.data.describe } });
    if (v.metadata?.reason === 'split-brain') ctx.report('AFR_SPLIT_BRAIN', { path, gfid: v.gfid, vars: { kind: 'metadata', matrix: v.afr.metadata.describe } });
  }
  const m = v.metadata;
  if (m && m.sinks.length > 0) {
    const copies = v.name.kind === 'present' ? v.name.group.copies : [];
    const all = [...copies].sort((a, b) => a.member - b.member);
    for (const what of m.differs) {
      const values = what === 'mode' || what === 'owner'
        ? all.map((c) => `${labels(view, [c.member])}=${what === 'mode' ? (c.mode & 0o7777).toString(8) : `${c.uid}:${c.gid}`}`).join(', ')
        : `differ on ${labels(view, all.map((c) => c.member))}`;
      ctx.report('SET_METADATA_MISMATCH', {
        path, gfid: v.gfid, brick: brickOf(m.sinks[0]!), vars: { what, values },
        detail: { sources: m.sources, sinks: m.sinks, copyFrom: m.copyFrom },
      });
    }
  }
}

function reportEcData(ctx: CheckContext, view: SetView, v: EntryVerdict, rows: EntryRow[]): void {
  const label = (id: number) => ctx.brickName(ctx.brick(id));
  const data = v.ecData!;
  const configs = distinct(rows.map((r) => r.ec_config ?? 'none'));
  if (configs.length > 1) {
    ctx.report('EC_CONFIG_DISAGREE', { path: v.path, gfid: v.gfid, vars: { configs: rows.map((r) => `${label(r.brick_id)}=${r.ec_config ?? 'none'}`).join(', ') } });
  }
  if (data.groups.length > 1) {
    const healed = data.reason === 'ok';
    ctx.report('EC_VERSION_MISMATCH', {
      path: v.path, gfid: v.gfid, brick: healed && data.sinks.length > 0 ? ctx.bricks[view.set.bricks[data.sinks[0]!]!] : null,
      vars: {
        groups: data.groups.map((g) => `${labels(view, g.members).replaceAll(',', '+')}: v${g.version} size ${g.size}`).join('; '),
        stale: healed ? labels(view, data.sinks) || 'none' : 'none',
      },
      detail: { groups: data.groups.map((g) => ({ ...g, version: String(g.version), size: String(g.size) })), sinks: healed ? data.sinks : [] },
    });
  }
  if (data.reason !== 'ok') {
    ctx.report('EC_UNHEALABLE', {
      path: v.path, gfid: v.gfid, vars: { k: data.k },
      detail: { groups: data.groups.map((g) => ({ ...g, version: String(g.version), size: String(g.size) })), reason: data.reason },
    });
  }
}

interface Range { start: number; stop: number }

/** DHT placement: each file on the subvolume its name hashes to, or reachable by a linkto there. */
function checkPlacement(ctx: CheckContext): void {
  const firstBrick = ctx.sets.map((s) => ctx.bricks[s.bricks[0]!]!);
  const layoutCache = new Map<string, Array<Range | null>>();
  const dirStmt = ctx.db.prepare(`SELECT xattrs FROM entries WHERE brick_id = ? AND path = ? AND type = 'dir'`).pluck();
  const atPath = ctx.db.prepare(`SELECT gfid, type, mode, linkto FROM entries WHERE brick_id = ? AND path = ?`);
  const layoutOf = (dir: Buffer) => {
    const key = dir.toString('hex');
    let ranges = layoutCache.get(key);
    if (!ranges) {
      if (layoutCache.size > 10_000) layoutCache.clear();
      ranges = firstBrick.map((b) => {
        const d = parseXattrJson(dirStmt.get(b.id, dir) as string | null)['trusted.glusterfs.dht'];
        return d?.kind === 'dht-layout' && d.start !== d.stop ? { start: d.start as number, stop: d.stop as number } : null;
      });
      layoutCache.set(key, ranges);
    }
    return ranges;
  };
  const subvolIndex = (linkto: string) => Number(/-(\d+)$/.exec(linkto)?.[1] ?? -1);
  ctx.sets.forEach((set, s) => {
    const brick = firstBrick[s]!;
    const sql = `SELECT * FROM entries WHERE +brick_id = @brick AND type != 'dir' AND area IN ('namespace', 'shard')
      AND id > @after ORDER BY id LIMIT @limit`;
    for (const e of ctx.pages<EntryRow>(sql, { brick: brick.id })) {
      const hash = dhtHash(baseName(e.path));
      const hashed = layoutOf(parentPath(e.path)).findIndex((r) => r !== null && r.start <= hash && hash <= r.stop);
      if (hashed < 0) continue; // a layout hole is the directory's problem, not the file's
      if (isLinkto(e)) {
        const target = subvolIndex(e.linkto!);
        const there = target >= 0 && target < firstBrick.length ? atPath.get(firstBrick[target]!.id, e.path) as EntryRow | undefined : undefined;
        if (!there || there.gfid !== e.gfid || isLinkto(there)) {
          ctx.report('DHT_STALE_LINKTO', { brick, path: e.path, gfid: e.gfid, vars: { subvolume: e.linkto! } });
        }
        continue;
      }
      if (hashed === s) continue;
      const pointer = atPath.get(firstBrick[hashed]!.id, e.path) as EntryRow | undefined;
      if (pointer && isLinkto(pointer) && pointer.gfid === e.gfid && subvolIndex(pointer.linkto!) === s) continue;
      ctx.report('DHT_MISPLACED', { brick, path: e.path, gfid: e.gfid, vars: { found: `#${set.index}`, hashed: `#${hashed}` } });
    }
  });
}

