/**
 * Pass 5: the bricks of one replica/disperse set hold the same namespace, so they are
 * compared name by name; across sets (DHT subvolumes) every file must sit where its name
 * hashes, or be reachable through a linkto there.
 */
import { baseName } from '../../fs/names.ts';
import { dhtHash } from '../../dht/hash.ts';
import { fragmentLength } from '../../ec/layout.ts';
import { dataFragments, type BrickSet } from '../../volume/layout.ts';
import type { CheckContext } from '../context.ts';
import { isLinkto, type EntryRow } from '../rows.ts';
import { parseXattrJson } from '../../index/xattr-column.ts';
import { afrSources, pendingMatrix, AFR_COLUMNS } from '../../heal/afr.ts';
import { ecDataGroups } from '../../heal/ec.ts';

const PAGE = 2000;

export function checkSets(ctx: CheckContext): void {
  for (const set of ctx.sets) if (set.bricks.length > 1) compareSet(ctx, set);
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

/** The most common value (first seen wins a tie) and the rows that disagree with it. */
function majority<R, V>(rows: R[], value: (r: R) => V): { value: V; dissenters: R[] } {
  const counts = new Map<V, number>();
  for (const r of rows) counts.set(value(r), (counts.get(value(r)) ?? 0) + 1);
  let best = value(rows[0]!);
  for (const [v, n] of counts) if (n > counts.get(best)!) best = v;
  return { value: best, dissenters: rows.filter((r) => value(r) !== best) };
}

function compareSet(ctx: CheckContext, set: BrickSet): void {
  const members = set.bricks.map((pos) => ctx.bricks[pos]!);
  const missingDirs = new Set<string>(); // `${brickId}:${hex path}`: children are not reported again
  const label = (brickId: number) => ctx.brickName(ctx.brick(brickId));
  for (const rows of rowsByPath(ctx, members.map((b) => b.id))) {
    const path = rows[0]!.path;
    const present = new Set(rows.map((r) => r.brick_id));
    const parentKey = (id: number) => `${id}:${parentOf(path).toString('hex')}`;
    const absent = members.filter((b) => !present.has(b.id));
    const missing = absent.filter((b) => !missingDirs.has(parentKey(b.id)));
    if (rows.some((r) => r.type === 'dir')) {
      for (const b of members) if (!present.has(b.id)) missingDirs.add(`${b.id}:${path.toString('hex')}`);
    }
    const gfid = rows.find((r) => r.gfid)?.gfid ?? null;
    if (absent.length > 0 && missing.length === 0) continue; // inside a directory already reported missing or stale
    const stale = missing.length > 0 ? staleNameReason(ctx, set, rows) : null;
    if (stale) {
      ctx.report('SET_STALE_NAME', {
        path, gfid, brick: ctx.brick(rows[0]!.brick_id),
        vars: { presentBricks: rows.map((r) => label(r.brick_id)).join(', '), why: stale },
      });
      continue;
    }
    if (missing.length > 0) {
      ctx.report('SET_ENTRY_MISSING', {
        path, gfid, brick: missing[0],
        vars: { missingBricks: missing.map((b) => ctx.brickName(b)).join(', '), presentBricks: rows.map((r) => label(r.brick_id)).join(', ') },
        detail: { missing: missing.map((b) => b.position) },
      });
    }
    const gfids = distinct(rows.map((r) => r.gfid ?? 'none'));
    if (gfids.length > 1) {
      // Named by the majority gfid, on the first brick that differs from it.
      const m = majority(rows, (r) => r.gfid ?? 'none');
      ctx.report('SET_GFID_MISMATCH', {
        path, gfid: m.value === 'none' ? null : m.value, brick: ctx.brick(m.dissenters[0]!.brick_id),
        vars: { gfids: rows.map((r) => `${label(r.brick_id)}=${r.gfid ?? 'none'}`).join(', ') },
      });
    }
    if (distinct(rows.map((r) => r.type)).length > 1) {
      ctx.report('SET_TYPE_MISMATCH', { path, gfid, vars: { types: rows.map((r) => `${label(r.brick_id)}=${r.type}`).join(', ') } });
      continue;
    }
    if (ctx.layout.kind === 'disperse') compareEc(ctx, set, rows, gfid);
    if (ctx.layout.kind === 'replicate') compareAfr(ctx, set, rows, gfid);
    compareMetadata(ctx, rows, gfid);
  }
}

/**
 * Why heal would delete a name rather than copy it to the bricks that lack it, or null:
 * on a disperse set, fewer than K bricks hold it; on a replica set, every brick holding it
 * is accused (a sink) in its parent directory's entry changelog.
 */
function staleNameReason(ctx: CheckContext, set: BrickSet, rows: EntryRow[]): string | null {
  if (ctx.layout.kind === 'disperse') {
    const k = dataFragments(ctx.layout);
    return rows.length < k ? `fewer than K=${k} bricks` : null;
  }
  if (ctx.layout.kind !== 'replicate') return null;
  const members = set.bricks.map((pos) => ctx.bricks[pos]!);
  const parentRows = ctx.db.prepare(`SELECT brick_id, xattrs FROM entries WHERE path = ? AND brick_id IN (${members.map(() => '?').join(',')})`)
    .all(parentOf(rows[0]!.path), ...members.map((b) => b.id)) as Array<{ brick_id: number; xattrs: string }>;
  if (parentRows.length < members.length) return null;
  const matrix = pendingMatrix(set, parentRows.map((r) => ({ member: ctx.brick(r.brick_id).set_member, xattrs: parseXattrJson(r.xattrs) })));
  const { sinks } = afrSources(matrix, 'entry');
  const holders = rows.map((r) => ctx.brick(r.brick_id).set_member);
  return holders.every((m) => sinks.includes(m)) ? 'the parent directory\'s changelog accuses them' : null;
}

function parentOf(path: Buffer): Buffer {
  const i = path.lastIndexOf(0x2f);
  return i <= 0 ? Buffer.from('/') : path.subarray(0, i);
}

function compareEc(ctx: CheckContext, set: BrickSet, rows: EntryRow[], gfid: string | null): void {
  const label = (id: number) => ctx.brickName(ctx.brick(id));
  const path = rows[0]!.path;
  const k = dataFragments(ctx.layout);
  if (rows[0]!.type === 'file') {
    const configs = distinct(rows.map((r) => r.ec_config ?? 'none'));
    if (configs.length > 1) {
      ctx.report('EC_CONFIG_DISAGREE', { path, gfid, vars: { configs: rows.map((r) => `${label(r.brick_id)}=${r.ec_config ?? 'none'}`).join(', ') } });
    }
  } else if (rows[0]!.type !== 'dir') {
    return;
  }
  const isFile = rows[0]!.type === 'file';
  const decision = ecDataGroups(rows.map((r) => ({
    member: ctx.brick(r.brick_id).set_member,
    version: String(r.ec_version_data ?? 0),
    size: isFile ? String(r.ec_size ?? 0) : '',
    fragmentOk: !isFile || (r.ec_size !== null && r.size === fragmentLength(r.ec_size, k)),
  })), k);
  const memberLabel = (m: number) => ctx.brickName(ctx.bricks[set.bricks[m]!]!);
  if (decision.groups.length > 1) {
    ctx.report('EC_VERSION_MISMATCH', {
      path, gfid, brick: decision.reason === 'ok' && decision.sinks.length > 0 ? ctx.bricks[set.bricks[decision.sinks[0]!]!] : null,
      vars: {
        groups: decision.groups.map((g) => `${g.members.map(memberLabel).join('+')}: v${g.version}${isFile ? ` size ${g.size}` : ''}`).join('; '),
        stale: decision.sinks.map(memberLabel).join(', ') || 'none',
      },
      detail: { groups: decision.groups, sinks: decision.sinks },
    });
  }
  if (isFile && decision.sources.length < k) {
    ctx.report('EC_UNHEALABLE', { path, gfid, vars: { k }, detail: { groups: decision.groups, reason: decision.reason } });
  }
}

function compareAfr(ctx: CheckContext, set: BrickSet, rows: EntryRow[], gfid: string | null): void {
  if (rows.length < set.bricks.length) return; // direction needs every brick's view
  const matrix = pendingMatrix(set, rows.map((r) => ({
    member: ctx.brick(r.brick_id).set_member,
    xattrs: parseXattrJson(r.xattrs),
  })));
  for (const column of AFR_COLUMNS) {
    const result = afrSources(matrix, column);
    if (result.splitBrain) {
      ctx.report('AFR_SPLIT_BRAIN', { path: rows[0]!.path, gfid, vars: { kind: column, matrix: result.describe } });
    }
  }
}

/** xattrs that legitimately differ per brick, or are compared elsewhere. */
function comparedXattr(name: string): boolean {
  return !(
    name.startsWith('trusted.ec.') || name.startsWith('trusted.afr.') || name.startsWith('trusted.gfid2path.') ||
    name === 'trusted.gfid' || name === 'trusted.glusterfs.selinux' || name === 'trusted.glusterfs.quota.size' ||
    name.endsWith('.xtime') || name.endsWith('.stime') || name === 'trusted.glusterfs.volume-id'
  );
}

function compareMetadata(ctx: CheckContext, rows: EntryRow[], gfid: string | null): void {
  if (rows.length < 2) return;
  const label = (id: number) => ctx.brickName(ctx.brick(id));
  const views = rows.map((r) => {
    const x = parseXattrJson(r.xattrs);
    const names = Object.keys(x).filter(comparedXattr).sort();
    return {
      brick: r.brick_id,
      fields: {
        mode: r.mode.toString(8),
        owner: `${r.uid}:${r.gid}`,
        mdata: JSON.stringify(x['trusted.glusterfs.mdata'] ?? null),
        xattrs: JSON.stringify(names.filter((n) => n !== 'trusted.glusterfs.mdata').map((n) => [n, x[n]])),
      },
    };
  });
  for (const what of ['mode', 'owner', 'mdata', 'xattrs'] as const) {
    if (distinct(views.map((v) => v.fields[what])).length < 2) continue;
    const values = what === 'mode' || what === 'owner'
      ? views.map((v) => `${label(v.brick)}=${v.fields[what]}`).join(', ')
      : `differ on ${views.map((v) => label(v.brick)).join(', ')}`;
    const odd = majority(views, (v) => v.fields[what]).dissenters[0]!;
    ctx.report('SET_METADATA_MISMATCH', {
      path: rows[0]!.path, gfid, brick: ctx.brick(odd.brick), vars: { what, values },
      detail: Object.fromEntries(views.map((v) => [label(v.brick), v.fields[what]])),
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
      const hashed = layoutOf(parentOf(e.path)).findIndex((r) => r !== null && r.start <= hash && hash <= r.stop);
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

