/** Pass 2: each entry on its own: gfid, xattr shapes, gfid2path, EC fragment, counters. */
import { escapeName } from '../../fs/names.ts';
import { gfid2pathKey, gfid2pathValue } from '../../xattr/gfid2path.ts';
import { fragmentLength } from '../../ec/layout.ts';
import { dataFragments } from '../../volume/layout.ts';
import type { BrickRow } from '../../index/catalog.ts';
import type { CheckContext } from '../context.ts';
import { isLinkto, type EntryRow } from '../rows.ts';
import { parseXattrJson, type XattrJson } from '../../index/xattr-column.ts';

/** Every column pass 2 reads but the xattrs JSON, fetched only for the entries that need it. */
const COLUMNS = `e.id, e.brick_id, e.path, e.parent_gfid, e.name, e.area, e.type, e.mode, e.size, e.nlink, e.inode, e.gfid,
  e.ec_config, e.ec_size, e.ec_version_data, e.ec_version_meta, e.ec_healing, e.ec_dirty_data, e.ec_dirty_meta, e.linkto,
  e.xattr_suspect, e.g2p_own`;

/**
 * Another name of the entry's inode on its brick. Asked of the small inode index rather than
 * by joining the handle tree: most files have two links, their name and their handle.
 */
const HAS_ANOTHER_NAME = `EXISTS (SELECT 1 FROM entries o WHERE o.brick_id = e.brick_id AND o.inode = e.inode AND o.id != e.id
  AND o.area != 'anon-inode')`;

/**
 * The entries that may give a finding, as SQL, so SQLite skips the healthy majority without
 * handing it to JavaScript. A superset: the checks below decide. The xattr flags come from
 * the scan; the EC terms mirror checkEc (the fragment length of ec.size on a stripe of
 * @stripe bytes, cast: JavaScript numbers bind as REAL, and REAL division does not round);
 * the gfid2path term is another name or a gfid2path the name does not call for.
 */
const MAY_HAVE_A_FINDING = `e.xattr_suspect OR (e.gfid IS NULL AND e.path != x'2f') OR e.linkto IS NOT NULL
  OR (e.type != 'dir' AND e.gfid IS NOT NULL AND e.area != 'anon-inode'
      AND (NOT e.g2p_own OR (e.nlink > 1 AND ${HAS_ANOTHER_NAME})))
  OR (@disperse AND (e.ec_healing OR COALESCE(e.ec_dirty_data, 0) != 0 OR COALESCE(e.ec_dirty_meta, 0) != 0
      OR (e.type = 'file' AND e.area != 'anon-inode' AND (e.ec_config IS NULL OR e.ec_size IS NULL
          OR e.ec_version_data IS NULL OR e.ec_config != @config
          OR e.size != 512 * ((e.ec_size + CAST(@stripe AS INTEGER) - 1) / CAST(@stripe AS INTEGER))))))`;

export function checkEntries(ctx: CheckContext): void {
  const xattrsOf = ctx.db.prepare(`SELECT xattrs FROM entries WHERE id = ?`).pluck();
  const namesOfInode = ctx.db.prepare(`SELECT parent_gfid, name FROM entries WHERE brick_id = ? AND inode = ? AND area != 'anon-inode'`);
  const k = dataFragments(ctx.layout);
  const sql = `SELECT ${COLUMNS} FROM entries e WHERE +e.brick_id = @brick AND e.id > @after AND (${MAY_HAVE_A_FINDING})
    ORDER BY e.id LIMIT @limit`;
  const params = { disperse: ctx.layout.kind === 'disperse' ? 1 : 0, config: `${k}+${ctx.layout.redundancy}`, stripe: 512 * k };
  for (const brick of ctx.bricks) {
    for (const e of ctx.pages<EntryRow>(sql, { ...params, brick: brick.id })) {
      const isRoot = e.path.length === 1;
      const names = e.type !== 'dir' && e.gfid && e.area !== 'anon-inode'
        ? e.nlink > 1
          ? (namesOfInode.all(brick.id, e.inode) as Array<{ parent_gfid: string | null; name: Buffer }>)
          : [{ parent_gfid: e.parent_gfid, name: e.name }]
        : null;
      // Most entries are fine: the JSON is read only when the scan's flags say it may not be.
      let malformed: ReadonlySet<string> = NONE;
      if (mayHaveXattrProblem(e, isRoot, names)) {
        const xattrs = parseXattrJson(xattrsOf.get(e.id) as string);
        malformed = checkShapes(ctx, brick, e, xattrs, isRoot);
        if (names) checkGfid2path(ctx, brick, e, xattrs, names);
        checkAfr(ctx, brick, e, xattrs);
      }
      if (ctx.layout.kind === 'disperse') checkEc(ctx, brick, e, malformed);
      if (isLinkto(e)) ctx.report('DHT_LINKTO', { brick, path: e.path, gfid: e.gfid, vars: { subvolume: e.linkto! } });
    }
  }
}

/**
 * False only when the xattrs certainly hold nothing to report: a gfid, no malformed value,
 * no AFR counter, and exactly the one gfid2path key the entry's only name calls for (the
 * scan records the last two as flags).
 */
function mayHaveXattrProblem(e: EntryRow, isRoot: boolean, names: Array<{ parent_gfid: string | null; name: Buffer }> | null): boolean {
  if ((!isRoot && e.gfid === null) || e.xattr_suspect) return true;
  return names !== null && (names.length !== 1 || !e.g2p_own);
}

const NONE: ReadonlySet<string> = new Set();

/** Reports malformed values and a missing gfid; returns the names of the malformed xattrs. */
function checkShapes(ctx: CheckContext, brick: BrickRow, e: EntryRow, xattrs: XattrJson, isRoot: boolean): ReadonlySet<string> {
  const malformed = new Set<string>();
  for (const [name, d] of Object.entries(xattrs)) {
    if (d.kind === 'malformed') {
      malformed.add(name);
      ctx.report('XATTR_MALFORMED', { brick, path: e.path, gfid: e.gfid, vars: { xattr: name, reason: d.reason as string } });
    }
  }
  // The root's gfid is pass 1's business; a malformed gfid was just reported.
  if (!isRoot && !xattrs['trusted.gfid']) ctx.report('GFID_MISSING', { brick, path: e.path });
  return malformed;
}

function checkGfid2path(
  ctx: CheckContext, brick: BrickRow, e: EntryRow, xattrs: XattrJson,
  names: Array<{ parent_gfid: string | null; name: Buffer }>,
): void {
  const recorded = new Set<string>();
  for (const [key, d] of Object.entries(xattrs)) {
    if (d.kind !== 'gfid2path') continue;
    if (!d.keyMatches) {
      ctx.report('GFID2PATH_BAD_KEY', { brick, path: e.path, gfid: e.gfid, vars: { xattr: key, expectedKey: d.expectedKey as string } });
    }
    const value = `${d.parentGfid as string}/${d.name as string}`;
    recorded.add(value);
    const isAName = names.some((n) => n.parent_gfid === d.parentGfid && escapeName(n.name) === d.name);
    if (!isAName) ctx.report('GFID2PATH_STALE', { brick, path: e.path, gfid: e.gfid, vars: { recorded: value } });
  }
  for (const n of names) {
    if (!n.parent_gfid) continue;
    const key = gfid2pathKey(gfid2pathValue(n.parent_gfid, n.name));
    if (!xattrs[key] && !recorded.has(`${n.parent_gfid}/${escapeName(n.name)}`)) {
      ctx.report('GFID2PATH_MISSING', { brick, path: e.path, gfid: e.gfid, detail: { parentGfid: n.parent_gfid, name: escapeName(n.name) } });
    }
  }
}

/** `malformed`: xattrs already reported as such, which are there, only unreadable: not "missing". */
function checkEc(ctx: CheckContext, brick: BrickRow, e: EntryRow, malformed: ReadonlySet<string>): void {
  const k = dataFragments(ctx.layout);
  const expectedConfig = `${k}+${ctx.layout.redundancy}`;
  if (e.type === 'file' && e.area !== 'anon-inode') {
    const unread = [
      e.ec_config === null && 'trusted.ec.config', e.ec_size === null && 'trusted.ec.size', e.ec_version_data === null && 'trusted.ec.version',
    ].filter((name): name is string => name !== false);
    const missing = unread.filter((name) => !malformed.has(name));
    if (unread.length > 0) {
      if (missing.length > 0) ctx.report('EC_XATTRS_MISSING', { brick, path: e.path, gfid: e.gfid, vars: { missing: missing.join(', ') } });
    } else if (e.ec_config !== expectedConfig) {
      ctx.report('EC_CONFIG_MISMATCH', { brick, path: e.path, gfid: e.gfid, vars: { found: e.ec_config!, expected: expectedConfig } });
    } else {
      const expected = fragmentLength(e.ec_size!, k);
      if (e.size !== expected) {
        ctx.report('EC_FRAGMENT_SIZE', { brick, path: e.path, gfid: e.gfid, vars: { actual: e.size, ecSize: e.ec_size!, expected } });
      }
    }
  }
  if ((e.ec_dirty_data ?? 0) !== 0 || (e.ec_dirty_meta ?? 0) !== 0) {
    ctx.report('EC_DIRTY', { brick, path: e.path, gfid: e.gfid, vars: { dirty: `${e.ec_dirty_data}/${e.ec_dirty_meta}` } });
  }
  if (e.ec_healing) ctx.report('EC_HEALING', { brick, path: e.path, gfid: e.gfid });
}

function checkAfr(ctx: CheckContext, brick: BrickRow, e: EntryRow, xattrs: XattrJson): void {
  for (const [name, d] of Object.entries(xattrs)) {
    if (d.kind !== 'afr-dirty' && d.kind !== 'afr-pending') continue;
    const c = d.counters as { data: number; metadata: number; entry: number };
    if (c.data === 0 && c.metadata === 0 && c.entry === 0) continue;
    const counters = `${c.data}/${c.metadata}/${c.entry}`;
    if (d.kind === 'afr-dirty') ctx.report('AFR_DIRTY', { brick, path: e.path, gfid: e.gfid, vars: { counters } });
    else ctx.report('AFR_PENDING', { brick, path: e.path, gfid: e.gfid, vars: { client: name.slice('trusted.afr.'.length), counters } });
  }
}

