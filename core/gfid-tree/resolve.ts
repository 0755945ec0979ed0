/**
 * gfid <-> path resolution on bricks (brick-layout.md §2.1–2.2, §4.2, §4.11), two ways:
 *
 *  - live (`liveResolver`): reads only what the question needs — the handle, a readlink per
 *    directory level, the xattrs of one inode and an lstat + getxattr per name to confirm
 *    it. Never a walk of the brick, so it answers in milliseconds on any brick size.
 *  - from a catalog made by `gfsck inspect --db` (`catalogResolver`): indexed lookups on
 *    entries(gfid), entries(path) and the handles table; answers as of that scan.
 *
 * Both give the same per-brick shapes; `mergeGfid`/`mergePath` fold them into one answer.
 */
import { lstatSync, readdirSync, readlinkSync, type BigIntStats } from 'node:fs';
import { getXattr, listXattrs } from '../fs/xattr.ts';
import { childPath, escapeName, joinPath, unescapeName } from '../fs/names.ts';
import { decodeAll, type XattrRecord } from '../xattr/decode.ts';
import { statFields, type EntryType } from '../brick/entry.ts';
import type { BrickRow, Catalog } from '../index/catalog.ts';
import { parseXattrJson } from '../index/xattr-column.ts';
import { GfsckError } from '../errors.ts';
import { ROOT_GFID, formatGfid, handleRelPath, parseDirHandleTarget } from './gfid.ts';

/** A name recorded for an inode (gfid2path, pgfid) that does not lead back to it. */
export interface StaleName {
  /** Volume path the record names, when its parent directory could be found. */
  path: Buffer | null;
  /** The record as stored: `<parent-gfid>/<name>`. */
  recorded: string;
  why: string;
}

export interface GfidOnBrick {
  brick: string;
  /** The brick holds something for this gfid: a handle or a named entry. */
  found: boolean;
  type: EntryType | null;
  /** st_size on the brick (an EC fragment's length). */
  brickSize: number | null;
  /** The file's size as clients see it: trusted.ec.size, the shard file-size, else st_size. */
  size: number | null;
  /** Volume paths that carry this gfid on this brick (every hard link). */
  names: Buffer[];
  stale: StaleName[];
  /** What is wrong with this gfid's handle or names on this brick, one phrase each. */
  problems: string[];
}

export interface PathOnBrick {
  brick: string;
  gfid: string | null;
  type: EntryType | null;
  /** Why the path is not (fully) there, e.g. `no /a/b` or `/a is a file`. */
  missing: string | null;
}

export interface Resolver {
  /** Brick roots in the order answers are given. */
  readonly bricks: string[];
  gfid(gfid: string): GfidOnBrick[];
  path(path: Buffer): PathOnBrick[];
  close(): void;
}

/** Via statFields: the one place that maps st_mode to a type. */
const typeOf = (st: BigIntStats): EntryType => statFields(st).type;

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

function tryLstat(path: Buffer): BigIntStats | null {
  try {
    return lstatSync(path, { bigint: true });
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return null;
    throw e;
  }
}

function readGfid(path: Buffer): string | null {
  const raw = getXattr(path, 'trusted.gfid');
  return raw && raw.length === 16 ? formatGfid(raw) : null;
}

/** The size clients see, from the decoded xattrs of a brick file. */
function logicalSize(stSize: bigint, xattrs: XattrRecord[]): number {
  for (const { decoded } of xattrs) {
    if (decoded.kind === 'ec-size') return Number(decoded.size);
    if (decoded.kind === 'shard-file-size') return Number(decoded.size);
  }
  return Number(stSize);
}

/**
 * Splits a volume path into its byte components. Refuses what is not a volume path:
 * relative paths, `.`/`..` (they could leave the brick) and the brick's private .glusterfs.
 */
export function volumeComponents(path: Buffer): Buffer[] {
  if (path[0] !== 0x2f) throw new GfsckError('usage', `${escapeName(path)}: a volume path starts with /`);
  const parts: Buffer[] = [];
  let start = 1;
  for (let i = 1; i <= path.length; i++) {
    if (i < path.length && path[i] !== 0x2f) continue;
    if (i > start) parts.push(path.subarray(start, i));
    start = i + 1;
  }
  for (const p of parts) {
    if (p.equals(DOT) || p.equals(DOTDOT)) throw new GfsckError('usage', `${escapeName(path)}: . and .. are not allowed in a volume path`);
  }
  if (parts[0]?.equals(GLUSTERFS)) throw new GfsckError('usage', `${escapeName(path)}: .glusterfs is the brick's own, not part of the volume`);
  return parts;
}

/** The canonical volume path: `/` or `/a/b`, no repeated or trailing slashes. */
export function canonicalVolumePath(path: Buffer): Buffer {
  return volumeComponents(path).reduce((acc, part) => childPath(acc, part), Buffer.from('/'));
}

const DOT = Buffer.from('.');
const DOTDOT = Buffer.from('..');
const GLUSTERFS = Buffer.from('.glusterfs');
/** Deeper than any real directory chain: a bound on the walk up, besides the loop check. */
const MAX_DEPTH = 4096;

type DirPath = { path: Buffer } | { error: string };

/**
 * Live lookups on one brick. Directory paths found through the handle chain are memoized,
 * so resolving many gfids under one directory costs one chain walk.
 */
export class BrickLookup {
  private readonly dirPaths = new Map<string, DirPath>();

  constructor(readonly root: string) {}

  private abs(volumePath: Buffer): Buffer {
    return volumePath.length === 1 ? Buffer.from(this.root) : joinPath(Buffer.from(this.root), volumePath.subarray(1));
  }

  private handle(gfid: string): Buffer {
    return joinPath(Buffer.from(this.root), Buffer.from(handleRelPath(gfid)));
  }

  /**
   * The volume path of a directory gfid, by reading its handle symlink
   * `../../xx/yy/<parent>/<name>` up to the root, then confirming downwards that each
   * directory at the path found really carries its gfid. Iterative, with the chain's gfids
   * remembered: a handle naming itself, or any loop of them, is an error, not a recursion.
   */
  dirPath(gfid: string): DirPath {
    const chain: Array<{ gfid: string; name: Buffer }> = [];
    const inChain = new Set<string>();
    let at = gfid;
    let found: DirPath;
    for (;;) {
      if (at === ROOT_GFID) { found = { path: Buffer.from('/') }; break; }
      const known = this.dirPaths.get(at);
      if (known) { found = known; break; }
      if (inChain.has(at)) { found = { error: `the handle chain of directory ${gfid} loops (through ${at})` }; break; }
      if (chain.length > MAX_DEPTH) { found = { error: `the handle chain of directory ${gfid} is deeper than ${MAX_DEPTH}` }; break; }
      const link = this.readDirHandle(at);
      if ('error' in link) {
        this.dirPaths.set(at, link);
        found = link;
        break;
      }
      inChain.add(at);
      chain.push({ gfid: at, name: link.name });
      at = link.parentGfid;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const { gfid: child, name } = chain[i]!;
      if (!('error' in found)) found = this.confirmDir(child, childPath(found.path, name));
      this.dirPaths.set(child, found);
    }
    return found;
  }

  private readDirHandle(gfid: string): { parentGfid: string; name: Buffer } | { error: string } {
    const handle = this.handle(gfid);
    const st = tryLstat(handle);
    if (!st) return { error: `directory ${gfid} has no handle` };
    if (!st.isSymbolicLink()) return { error: `handle of directory ${gfid} is a ${typeOf(st)}, not a symlink` };
    const parsed = parseDirHandleTarget(readlinkSync(handle, { encoding: 'buffer' }));
    if (parsed === null || parsed === 'root') return { error: `handle of directory ${gfid} is malformed` };
    return parsed;
  }

  private confirmDir(gfid: string, path: Buffer): DirPath {
    const dir = tryLstat(this.abs(path));
    if (!dir?.isDirectory()) return { error: `handle of directory ${gfid} leads to ${escapeName(path)}, which is not a directory here` };
    const found = readGfid(this.abs(path));
    if (found !== gfid) return { error: `handle of directory ${gfid} leads to ${escapeName(path)}, whose gfid is ${found ?? 'missing'}` };
    return { path };
  }

  resolveGfid(gfid: string): GfidOnBrick {
    const out: GfidOnBrick = { brick: this.root, found: false, type: null, brickSize: null, size: null, names: [], stale: [], problems: [] };
    if (gfid === ROOT_GFID) return { ...out, found: true, type: 'dir', names: [Buffer.from('/')] };
    const handle = this.handle(gfid);
    const st = tryLstat(handle);
    if (!st) {
      out.problems.push('no handle (without a catalog, a name with no handle cannot be found: use --db)');
      return out;
    }
    out.found = true;
    if (st.isDirectory()) {
      out.problems.push('the handle is a real directory, not a symlink');
      return out;
    }
    const xattrs = decodeAll(listXattrs(handle));
    const own = xattrs.find((x) => x.decoded.kind === 'gfid');
    // A directory handle is a bare symlink: no xattrs of its own (a user symlink's handle has trusted.gfid).
    if (st.isSymbolicLink() && !own) {
      out.type = 'dir';
      const dir = this.dirPath(gfid);
      if ('error' in dir) out.problems.push(dir.error);
      else out.names.push(dir.path);
      return out;
    }
    out.type = typeOf(st);
    out.brickSize = Number(st.size);
    out.size = logicalSize(st.size, xattrs);
    const ownGfid = own?.decoded.kind === 'gfid' ? own.decoded.gfid : null;
    if (ownGfid !== gfid) out.problems.push(`the handle links an inode whose trusted.gfid is ${ownGfid ?? 'missing'}`);
    this.namesFromGfid2path(gfid, st, xattrs, out);
    if (out.names.length === 0 && out.stale.length === 0) this.namesFromPgfid(st, xattrs, out);
    if (out.names.length === 0 && st.nlink === 1n) out.problems.push('orphan: the handle is the inode\'s only link');
    return out;
  }

  /** Checks each gfid2path record against the namespace: the name must be there and carry this gfid. */
  private namesFromGfid2path(gfid: string, handleStat: BigIntStats, xattrs: XattrRecord[], out: GfidOnBrick): void {
    for (const { decoded } of xattrs) {
      if (decoded.kind !== 'gfid2path') continue;
      const recorded = `${decoded.parentGfid}/${escapeName(decoded.name)}`;
      const parent = this.dirPath(decoded.parentGfid);
      if ('error' in parent) {
        out.stale.push({ path: null, recorded, why: parent.error });
        continue;
      }
      const path = childPath(parent.path, decoded.name);
      const st = tryLstat(this.abs(path));
      const carried = st ? readGfid(this.abs(path)) : null;
      if (!st) out.stale.push({ path, recorded, why: 'no such name' });
      else if (carried !== gfid) out.stale.push({ path, recorded, why: `the name carries gfid ${carried ?? 'none'}` });
      else {
        out.names.push(path);
        if (st.ino !== handleStat.ino) out.problems.push(`${escapeName(path)} is another inode than the handle`);
      }
    }
  }

  /**
   * Without gfid2path (storage.gfid2path off) trusted.pgfid.<parent> still names the parent
   * directories (§4.11): read those directories (only them) for names of this inode.
   */
  private namesFromPgfid(handleStat: BigIntStats, xattrs: XattrRecord[], out: GfidOnBrick): void {
    const parents = xattrs.flatMap(({ decoded }) => (decoded.kind === 'pgfid' ? [decoded.parentGfid] : []));
    if (parents.length === 0) {
      if (!xattrs.some((x) => x.decoded.kind === 'gfid2path')) out.problems.push('no gfid2path or pgfid xattrs: names unknown without a catalog (use --db)');
      return;
    }
    for (const parentGfid of parents) {
      const parent = this.dirPath(parentGfid);
      if ('error' in parent) {
        out.problems.push(parent.error);
        continue;
      }
      for (const name of readdirSync(this.abs(parent.path), { encoding: 'buffer' })) {
        const path = childPath(parent.path, name);
        if (tryLstat(this.abs(path))?.ino === handleStat.ino) out.names.push(path);
      }
    }
  }

  /** Walks a volume path component by component (lstat, never following symlinks) and reads the gfid at its end. */
  walkPath(path: Buffer): PathOnBrick {
    const parts = volumeComponents(path);
    let at: Buffer = Buffer.from('/');
    let st = tryLstat(this.abs(at));
    for (const part of parts) {
      if (!st?.isDirectory()) return { brick: this.root, gfid: null, type: null, missing: `${escapeName(at)} is a ${st ? typeOf(st) : 'missing'}, not a directory` };
      at = childPath(at, part);
      st = tryLstat(this.abs(at));
      if (!st) return { brick: this.root, gfid: null, type: null, missing: `no ${escapeName(at)}` };
    }
    return { brick: this.root, gfid: readGfid(this.abs(at)), type: typeOf(st!), missing: null };
  }
}

export function liveResolver(roots: string[]): Resolver {
  const lookups = roots.map((r) => new BrickLookup(r));
  return {
    bricks: roots,
    gfid: (gfid) => lookups.map((l) => l.resolveGfid(gfid)),
    path: (path) => lookups.map((l) => l.walkPath(path)),
    close: () => {},
  };
}

interface CatalogEntry { path: Buffer; type: EntryType; size: number; ec_size: number | null; shard_size: number | null }
interface CatalogHandle { type: EntryType; nlink: number; size: number; target: Buffer | null; gfid: string | null; xattrs: string | null }

/**
 * Lookups in a catalog made by `gfsck inspect --db`, for the given bricks (all of the
 * catalog's when none are given).
 */
export function catalogResolver(catalog: Catalog, roots: string[] = []): Resolver {
  const all = catalog.bricks();
  if (all.some((b) => b.state !== 'complete')) {
    catalog.close();
    throw new GfsckError('operational', 'the catalog holds an unfinished scan: finish it with gfsck inspect --db FILE --resume');
  }
  const chosen: BrickRow[] = roots.length === 0 ? all : roots.map((r) => {
    const row = all.find((b) => b.root.toString() === r);
    if (!row) {
      catalog.close();
      throw new GfsckError('usage', `brick ${r} is not in this catalog (it holds ${all.map((b) => b.root.toString()).join(', ')})`);
    }
    return row;
  });
  const db = catalog.db;
  // No ORDER BY: it would make SQLite walk the (path, brick_id) index instead of the gfid index.
  const byGfid = db.prepare(`SELECT path, type, size, ec_size, shard_size FROM entries WHERE gfid = ? AND brick_id = ?`);
  const handleOf = db.prepare(`SELECT type, nlink, size, target, gfid, xattrs FROM handles WHERE brick_id = ? AND bucket = ? AND name = ?`);
  const byPath = db.prepare(`SELECT gfid, type FROM entries WHERE path = ? AND brick_id = ?`);
  const dirPath = db.prepare(`SELECT path FROM entries WHERE gfid = ? AND brick_id = ? AND type = 'dir' LIMIT 1`).pluck();

  const resolveGfid = (brick: BrickRow, gfid: string): GfidOnBrick => {
    const root = brick.root.toString();
    const rows = byGfid.all(gfid, brick.id) as CatalogEntry[];
    const handle = handleOf.get(brick.id, `${gfid.slice(0, 2)}/${gfid.slice(2, 4)}`, Buffer.from(gfid)) as CatalogHandle | undefined;
    const out: GfidOnBrick = { brick: root, found: rows.length > 0 || handle !== undefined, type: null, brickSize: null, size: null, names: rows.map((r) => Buffer.from(r.path)).sort(Buffer.compare), stale: [], problems: [] };
    const first = rows[0];
    if (first) {
      out.type = first.type;
      if (first.type !== 'dir') {
        out.brickSize = first.size;
        out.size = first.ec_size ?? first.shard_size ?? first.size;
      }
      if (!handle && gfid !== ROOT_GFID) out.problems.push('no handle');
      return out;
    }
    if (!handle) return out;
    if (handle.type === 'dir') out.problems.push('the handle is a real directory, not a symlink');
    else if (handle.type === 'symlink' && handle.gfid === null) {
      out.type = 'dir';
      out.problems.push('dangling directory handle: no directory carries this gfid');
    } else {
      out.type = handle.type;
      out.brickSize = handle.size;
      out.size = handle.size;
      // Orphan: its last names are in the gfid2path xattrs the scan kept for it.
      for (const d of Object.values(parseXattrJson(handle.xattrs))) {
        if (d.kind !== 'gfid2path') continue;
        const parent = dirPath.get(d.parentGfid as string, brick.id) as Buffer | undefined;
        const name = unescapeName(d.name as string);
        out.stale.push({ path: parent ? childPath(parent, name) : null, recorded: `${d.parentGfid as string}/${d.name as string}`, why: 'no such name' });
      }
      out.problems.push(`orphan: no name on this brick (nlink ${handle.nlink})`);
    }
    return out;
  };

  const walkPath = (brick: BrickRow, path: Buffer): PathOnBrick => {
    const canonical = canonicalVolumePath(path);
    const row = byPath.get(canonical, brick.id) as { gfid: string | null; type: EntryType } | undefined;
    return { brick: brick.root.toString(), gfid: row?.gfid ?? null, type: row?.type ?? null, missing: row ? null : `no ${escapeName(canonical)}` };
  };

  return {
    bricks: chosen.map((b) => b.root.toString()),
    gfid: (gfid) => chosen.map((b) => resolveGfid(b, gfid)),
    path: (path) => chosen.map((b) => walkPath(b, path)),
    close: () => catalog.close(),
  };
}

export interface GfidResolution {
  gfid: string;
  type: EntryType | null;
  size: number | null;
  /** Every volume path of this gfid, over all bricks. */
  paths: Buffer[];
  /** Bricks that hold something for it. */
  on: string[];
  bricks: GfidOnBrick[];
  resolved: boolean;
  /** Why it did not resolve. */
  reason: string | null;
}

function uniqueBuffers(items: Buffer[]): Buffer[] {
  const byHex = new Map(items.map((b) => [b.toString('hex'), b]));
  return [...byHex.values()].sort(Buffer.compare);
}

export function mergeGfid(gfid: string, perBrick: GfidOnBrick[]): GfidResolution {
  const holding = perBrick.filter((b) => b.found);
  const paths = uniqueBuffers(holding.flatMap((b) => b.names));
  const type = holding.find((b) => b.type !== null)?.type ?? null;
  let reason: string | null = null;
  if (holding.length === 0) reason = 'no brick holds it';
  else if (paths.length === 0) reason = [...new Set(holding.flatMap((b) => b.problems))].join('; ') || 'no name leads to it';
  return {
    gfid, type, size: holding.find((b) => b.size !== null)?.size ?? null, paths, on: holding.map((b) => b.brick),
    bricks: perBrick, resolved: paths.length > 0, reason,
  };
}

export interface PathResolution {
  path: Buffer;
  /** The gfid most bricks agree on. */
  gfid: string | null;
  type: EntryType | null;
  /** Every brick that has the path carries the same gfid. */
  agree: boolean;
  bricks: PathOnBrick[];
  resolved: boolean;
  reason: string | null;
}

export function mergePath(path: Buffer, perBrick: PathOnBrick[]): PathResolution {
  const present = perBrick.filter((b) => b.missing === null);
  const counts = new Map<string, number>();
  for (const b of present) counts.set(b.gfid ?? 'none', (counts.get(b.gfid ?? 'none') ?? 0) + 1);
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const gfid = top === undefined || top === 'none' ? null : top;
  let reason: string | null = null;
  if (present.length === 0) reason = `not on any brick (${[...new Set(perBrick.map((b) => b.missing))].join('; ')})`;
  else if (gfid === null) reason = 'the path carries no trusted.gfid';
  return {
    path, gfid, type: present[0]?.type ?? null, agree: counts.size <= 1, bricks: perBrick, resolved: gfid !== null, reason,
  };
}
