/**
 * Where the engine gets brick copies from. Two sources answer the same questions:
 *   CatalogSource  the SQLite catalog of a full scan (every name, in path order);
 *   DirectSource   targeted lookups on the bricks, for --only/--gfid without a scan.
 * Both are read-only: bricks are only ever lstat'ed, read and listed.
 */
import { lstat, readlink } from 'node:fs/promises';
import type { Db } from '../index/catalog.ts';
import { statFields } from '../brick/entry.ts';
import { listXattrsAsync } from '../fs/xattr.ts';
import { childPath, joinPath } from '../fs/names.ts';
import { handleRelPath, parseDirHandleTarget, ROOT_GFID, SHARD_ROOT_GFID } from '../gfid-tree/gfid.ts';
import { decodeXattr } from '../xattr/decode.ts';
import { checkedName, pathComponents } from './paths.ts';
import { setOf, type BrickCopy, type VolumeShape } from '../volume/copies.ts';
import { brickFile, copyFromRow, COPY_COLUMNS, type CopyRow } from '../index/copies.ts';

export interface CopySource {
  /** Copies of one volume path, one per brick that has the name. */
  copiesOfPath(path: Buffer): Promise<BrickCopy[]>;
  /** Copies of an inode in one set, found by gfid (under any name, or its handle), one per brick. */
  copiesOfGfid(gfid: string, set: number): Promise<BrickCopy[]>;
  /** Copies of shard `index` of the sharded file `baseGfid`, on whichever subvolume holds it. */
  shardCopies(baseGfid: string, index: number): Promise<BrickCopy[]>;
  /** Volume paths of an inode's names. */
  pathsOfGfid(gfid: string): Promise<Buffer[]>;
}

const shardPath = (baseGfid: string, index: number): Buffer => Buffer.from(`/.shard/${baseGfid}.${index}`);

// ---------------------------------------------------------------------------------------------

/**
 * What clients see: the namespace, and .trashcan when features.trash put deleted files there.
 * .glusterfs is never scanned as entries; .shard and the AFR anonymous-inode folder are
 * GlusterFS's own and only reached through the files they belong to.
 */
const USER_AREAS = `('namespace', 'trashcan')`;

const PAGE = 2000;

export class CatalogSource implements CopySource {
  private readonly stmt;

  constructor(
    db: Db,
    private readonly shape: VolumeShape,
  ) {
    const select = (where: string) =>
      db.prepare(`SELECT ${COPY_COLUMNS} FROM entries e JOIN bricks b ON b.id = e.brick_id WHERE ${where} ORDER BY b.position`);
    this.stmt = {
      byPath: select(`e.path = ?`),
      byGfid: select(`e.gfid = ? AND b.set_index = ? AND e.area IN ${USER_AREAS}`),
      namesOfGfid: db.prepare(`SELECT DISTINCT path FROM entries WHERE gfid = ? AND area IN ${USER_AREAS} ORDER BY path`).pluck(),
      page: db.prepare(`SELECT ${COPY_COLUMNS} FROM entries e JOIN bricks b ON b.id = e.brick_id
        WHERE e.area IN ${USER_AREAS} AND (e.path, b.position) > (?, ?) AND e.path >= ? AND e.path < ?
        ORDER BY e.path, b.position LIMIT ${PAGE}`),
    };
    for (const s of [this.stmt.byPath, this.stmt.byGfid, this.stmt.page]) s.safeIntegers(true);
  }

  async copiesOfPath(path: Buffer): Promise<BrickCopy[]> {
    return (this.stmt.byPath.all(path) as CopyRow[]).map((r) => this.toCopy(r));
  }

  async copiesOfGfid(gfid: string, set: number): Promise<BrickCopy[]> {
    return this.inodeCopies(gfid, set);
  }

  /** copiesOfGfid without the promise: the catalog answers at once. */
  inodeCopies(gfid: string, set: number): BrickCopy[] {
    return onePerBrick((this.stmt.byGfid.all(gfid, set) as CopyRow[]).map((r) => this.toCopy(r)));
  }

  async shardCopies(baseGfid: string, index: number): Promise<BrickCopy[]> {
    return this.copiesOfPath(shardPath(baseGfid, index));
  }

  async pathsOfGfid(gfid: string): Promise<Buffer[]> {
    return this.stmt.namesOfGfid.all(gfid) as Buffer[];
  }

  /**
   * Every namespace name at or below `under` ('/' = everything), grouped by path, in path
   * order (a directory always before what it holds), read a page at a time.
   */
  *namespace(under: Buffer): Generator<BrickCopy[]> {
    const isRoot = under.length === 1;
    // Byte range of `under` and its descendants: '/' + 1 = '0' closes the range of "under/...".
    const from = under;
    const to = isRoot ? Buffer.from([0x30]) : Buffer.concat([under, Buffer.from([0x30])]);
    let after: [Buffer, bigint] = [Buffer.alloc(0), -1n];
    let group: BrickCopy[] = [];
    for (;;) {
      const rows = this.stmt.page.all(...after, from, to) as CopyRow[];
      for (const r of rows) {
        if (!isRoot && !r.path.equals(under) && r.path[under.length] !== 0x2f) continue; // "/ab" is not below "/a"
        if (group.length > 0 && !group[0]!.path.equals(r.path)) {
          yield group;
          group = [];
        }
        group.push(this.toCopy(r));
      }
      if (rows.length < PAGE) break;
      const last = rows[rows.length - 1]!;
      after = [last.path, BigInt(last.position)];
    }
    if (group.length > 0) yield group;
  }

  private toCopy(r: CopyRow): BrickCopy {
    return copyFromRow(r, this.shape);
  }
}

/** One copy per brick: several names of one inode on a brick are one fragment. */
function onePerBrick(copies: BrickCopy[]): BrickCopy[] {
  const seen = new Set<number>();
  return copies.filter((c) => !seen.has(c.brick) && seen.add(c.brick));
}

// ---------------------------------------------------------------------------------------------

/**
 * Lookups straight on the bricks. A path is walked one component at a time and only
 * descends through real directories, so a symlink inside a brick never leads the read
 * elsewhere.
 */
export class DirectSource implements CopySource {
  /** `${brick}:${hex path}` of brick directories already seen to be real directories. */
  private readonly knownDirs = new Set<string>();

  constructor(private readonly shape: VolumeShape) {}

  async copiesOfPath(path: Buffer): Promise<BrickCopy[]> {
    const found = await Promise.all(this.shape.roots.map((_, brick) => this.lookupPath(brick, path)));
    return found.filter((c): c is BrickCopy => c !== null);
  }

  async copiesOfGfid(gfid: string, set: number): Promise<BrickCopy[]> {
    const bricks = this.shape.sets[set]!.bricks;
    const found = await Promise.all(bricks.map((brick) => this.read(brick, Buffer.from(`/${handleRelPath(gfid)}`))));
    // A directory's handle is a symlink to it; data inodes are hard links and carry the gfid.
    return found.filter((c): c is BrickCopy => c !== null && c.type !== 'dir' && !(c.type === 'symlink' && !c.xattrs.has('trusted.gfid')));
  }

  async shardCopies(baseGfid: string, index: number): Promise<BrickCopy[]> {
    return this.copiesOfPath(shardPath(baseGfid, index));
  }

  async pathsOfGfid(gfid: string): Promise<Buffer[]> {
    const names = new Map<string, Buffer>();
    for (const brick of this.shape.roots.keys()) {
      for (const { parentGfid, name } of await this.namesOnBrick(brick, gfid)) {
        const parent = await this.pathOfDirectory(parentGfid);
        if (parent === null) continue;
        const path = childPath(parent, name);
        names.set(path.toString('latin1'), path);
      }
    }
    return [...names.values()].sort(Buffer.compare);
  }

  /** (parent gfid, name) pairs of an inode on one brick: gfid2path for data inodes, the handle target for directories. */
  private async namesOnBrick(brick: number, gfid: string): Promise<Array<{ parentGfid: string; name: Buffer }>> {
    const handle = joinPath(this.shape.roots[brick]!, Buffer.from(handleRelPath(gfid)));
    const link = await this.read(brick, Buffer.from(`/${handleRelPath(gfid)}`));
    if (link === null) return [];
    if (link.type === 'symlink' && !link.xattrs.has('trusted.gfid')) {
      const parsed = parseDirHandleTarget(await readlink(handle, { encoding: 'buffer' }));
      return parsed && parsed !== 'root' && checkedName(parsed.name) ? [parsed] : [];
    }
    const names: Array<{ parentGfid: string; name: Buffer }> = [];
    for (const [key, value] of link.xattrs) {
      const d = decodeXattr(key, value);
      if (d.kind === 'gfid2path' && d.parentGfid !== SHARD_ROOT_GFID && checkedName(d.name)) names.push({ parentGfid: d.parentGfid, name: d.name });
    }
    return names;
  }

  /** Volume path of a directory gfid through the directory handles; null when the chain breaks or loops. */
  private async pathOfDirectory(gfid: string): Promise<Buffer | null> {
    const chain: Buffer[] = [];
    const seen = new Set<string>();
    let current = gfid;
    while (current !== ROOT_GFID) {
      if (seen.has(current)) return null;
      seen.add(current);
      let step: { parentGfid: string; name: Buffer } | undefined;
      for (const brick of this.shape.roots.keys()) {
        step = (await this.namesOnBrick(brick, current))[0];
        if (step) break;
      }
      if (!step) return null;
      chain.unshift(step.name);
      current = step.parentGfid;
    }
    return chain.reduce((path, name) => childPath(path, name), Buffer.from('/'));
  }

  private async lookupPath(brick: number, path: Buffer): Promise<BrickCopy | null> {
    let dir: Buffer = Buffer.from('/');
    for (const name of pathComponents(path).slice(0, -1)) {
      dir = childPath(dir, name);
      const key = `${brick}:${dir.toString('hex')}`;
      if (this.knownDirs.has(key)) continue;
      const copy = await this.read(brick, dir);
      if (copy?.type !== 'dir') return null;
      this.knownDirs.add(key);
    }
    return this.read(brick, path);
  }

  /** lstat + readlink + xattrs of one brick path, or null when it does not exist. */
  private async read(brick: number, path: Buffer): Promise<BrickCopy | null> {
    const file = brickFile(this.shape.roots[brick]!, path);
    let st;
    try {
      st = statFields(await lstat(file, { bigint: true }));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw e;
    }
    const target = st.type === 'symlink' ? await readlink(file, { encoding: 'buffer' }) : null;
    const xattrs = new Map<string, Buffer>(await listXattrsAsync(file));
    const { set, member } = setOf(this.shape, brick);
    return {
      brick, set, member, path, file, target, xattrs,
      type: st.type, mode: st.mode, uid: st.uid, gid: st.gid, size: Number(st.size), inode: st.inode, nlink: st.nlink, mtimeNs: st.mtimeNs,
    };
  }
}
