/**
 * Walks one brick into the catalog: the namespace (without .glusterfs), the handle tree
 * .glusterfs/xx/yy/, and the heal indices. Memory stays flat however large the brick: the
 * queue of directories still to read lives in the catalog, rows are written in batched
 * transactions, and entries are read with bounded concurrency. The walk is resumable (the
 * queue survives an interruption) and a rescan reuses the xattrs of every entry whose
 * inode, ctime and size did not change.
 */
import { lstat, opendir, readlink } from 'node:fs/promises';
import pLimit from 'p-limit';
import { listXattrsAsync } from '../fs/xattr.ts';
import { childPath, joinPath } from '../fs/names.ts';
import { decodeAll } from '../xattr/decode.ts';
import { statFields, summarizeXattrs, type StatFields, type XattrSummary } from './entry.ts';
import type { BrickRow, Catalog } from '../index/catalog.ts';
import { areaOf } from './areas.ts';

export interface ScanProgress { brick: number; phase: 'namespace' | 'handles' | 'indices'; entries: number; handles: number }

export interface ScanOptions {
  /** Entries read at once (lstat + xattrs on the thread pool). */
  jobs: number;
  /** Continue an interrupted scan from its saved queue instead of starting over. */
  resume: boolean;
  onProgress?: (p: ScanProgress) => void;
}

interface ReadEntry {
  path: Buffer;
  name: Buffer;
  parentGfid: string | null;
  stat: StatFields;
  target: Buffer | null;
  /** Null when the previous scan's row is still valid (same inode, ctime, size). */
  xattrs: { summary: XattrSummary; raw: Array<[string, Buffer]> } | null;
}

const DIR_BATCH = 256;
const DIRS_AT_ONCE = 8;

export async function scanBrick(catalog: Catalog, brick: BrickRow, opts: ScanOptions): Promise<void> {
  const scan = new BrickScan(catalog, brick, opts);
  await scan.run();
}

class BrickScan {
  private readonly db;
  private readonly root: Buffer;
  private readonly limit;
  private gen = 0;
  private readonly progress: ScanProgress;
  private lastReport = 0;
  private readonly stmt;

  constructor(catalog: Catalog, private readonly brick: BrickRow, private readonly opts: ScanOptions) {
    this.db = catalog.db;
    this.root = brick.root;
    this.limit = pLimit(opts.jobs);
    this.progress = { brick: brick.position, phase: 'namespace', entries: 0, handles: 0 };
    const db = this.db;
    this.stmt = {
      previous: db.prepare(`SELECT id, inode, ctime_ns, size FROM entries WHERE brick_id = ? AND path = ?`).safeIntegers(true),
      touch: db.prepare(`UPDATE entries SET scan_gen = ?, parent_gfid = ? WHERE id = ?`),
      upsert: db.prepare(`
        INSERT INTO entries (brick_id, path, parent_gfid, name, area, type, mode, uid, gid, size, blocks, mtime_ns, ctime_ns,
          nlink, inode, target, gfid, ec_config, ec_size, ec_version_data, ec_version_meta, ec_healing, ec_dirty_data,
          ec_dirty_meta, linkto, shard_size, xattrs, scan_gen)
        VALUES (@brick_id, @path, @parent_gfid, @name, @area, @type, @mode, @uid, @gid, @size, @blocks, @mtime_ns, @ctime_ns,
          @nlink, @inode, @target, @gfid, @ec_config, @ec_size, @ec_version_data, @ec_version_meta, @ec_healing, @ec_dirty_data,
          @ec_dirty_meta, @linkto, @shard_size, @xattrs, @scan_gen)
        ON CONFLICT (brick_id, path) DO UPDATE SET parent_gfid = excluded.parent_gfid, name = excluded.name, area = excluded.area,
          type = excluded.type, mode = excluded.mode, uid = excluded.uid, gid = excluded.gid, size = excluded.size,
          blocks = excluded.blocks, mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns, nlink = excluded.nlink,
          inode = excluded.inode, target = excluded.target, gfid = excluded.gfid, ec_config = excluded.ec_config,
          ec_size = excluded.ec_size, ec_version_data = excluded.ec_version_data, ec_version_meta = excluded.ec_version_meta,
          ec_healing = excluded.ec_healing, ec_dirty_data = excluded.ec_dirty_data, ec_dirty_meta = excluded.ec_dirty_meta,
          linkto = excluded.linkto, shard_size = excluded.shard_size, xattrs = excluded.xattrs, scan_gen = excluded.scan_gen
        RETURNING id`),
      clearXattrs: db.prepare(`DELETE FROM xattrs WHERE entry_id = ?`),
      insertXattr: db.prepare(`INSERT INTO xattrs (entry_id, name, value) VALUES (?, ?, ?)`),
      enqueue: db.prepare(`INSERT OR REPLACE INTO walk_queue (brick_id, path, gfid) VALUES (?, ?, ?)`),
      dequeue: db.prepare(`DELETE FROM walk_queue WHERE brick_id = ? AND path = ?`),
      nextDirs: db.prepare(`SELECT path, gfid FROM walk_queue WHERE brick_id = ? LIMIT ?`),
      scanError: db.prepare(`INSERT OR REPLACE INTO scan_errors (brick_id, path, syscall, code, scan_gen) VALUES (?, ?, ?, ?, ?)`),
      inodeKnown: db.prepare(`SELECT 1 FROM entries WHERE brick_id = ? AND inode = ? LIMIT 1`).pluck(),
      upsertHandle: db.prepare(`
        INSERT OR REPLACE INTO handles (brick_id, bucket, name, type, nlink, inode, size, target, gfid, xattrs, scan_gen)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      healIndex: db.prepare(`INSERT OR REPLACE INTO heal_index (brick_id, kind, gfid, name, scan_gen) VALUES (?, ?, ?, ?, ?)`),
      setBrick: db.prepare(`UPDATE bricks SET state = ?, scan_gen = ?, handles_done = ?, started_at = COALESCE(?, started_at),
        finished_at = ? WHERE id = ?`),
      handlesDone: db.prepare(`UPDATE bricks SET handles_done = ? WHERE id = ?`),
    };
  }

  async run(): Promise<void> {
    const b = this.brick;
    let handlesFrom = 0;
    if (b.state === 'scanning' && this.opts.resume) {
      this.gen = b.scan_gen;
      handlesFrom = b.handles_done;
    } else {
      this.gen = b.scan_gen + 1;
      const seed = await this.readEntry(Buffer.from('/'), Buffer.alloc(0), null);
      this.db.transaction(() => {
        this.db.prepare(`DELETE FROM walk_queue WHERE brick_id = ?`).run(b.id);
        this.stmt.setBrick.run('scanning', this.gen, 0, new Date().toISOString(), null, b.id);
        if (seed) this.store([seed]);
      })();
    }
    await this.walkNamespace();
    this.progress.phase = 'handles';
    await this.walkHandles(handlesFrom);
    this.progress.phase = 'indices';
    await this.walkHealIndices();
    this.db.transaction(() => {
      for (const table of ['entries', 'handles', 'heal_index', 'scan_errors']) {
        this.db.prepare(`DELETE FROM ${table} WHERE brick_id = ? AND scan_gen < ?`).run(b.id, this.gen);
      }
      this.db.prepare(`DELETE FROM xattrs WHERE entry_id NOT IN (SELECT id FROM entries)`).run();
      this.stmt.setBrick.run('complete', this.gen, 256, null, new Date().toISOString(), b.id);
    })();
    this.report(true);
  }

  private abs(rel: Buffer): Buffer {
    return rel.length === 1 ? this.root : joinPath(this.root, rel.subarray(1));
  }

  private recordError(rel: Buffer, e: unknown, syscall: string): void {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    this.stmt.scanError.run(this.brick.id, rel, (e as NodeJS.ErrnoException).syscall ?? syscall, code, this.gen);
  }

  private async readEntry(rel: Buffer, name: Buffer, parentGfid: string | null): Promise<ReadEntry | null> {
    const abs = this.abs(rel);
    let st;
    try {
      st = statFields(await lstat(abs, { bigint: true }));
    } catch (e) {
      this.recordError(rel, e, 'lstat');
      return null;
    }
    const prev = this.stmt.previous.get(this.brick.id, rel) as { inode: bigint; ctime_ns: bigint; size: bigint } | undefined;
    const unchanged = prev && prev.inode === st.inode && prev.ctime_ns === st.ctimeNs && prev.size === st.size;
    let target: Buffer | null = null;
    try {
      if (st.type === 'symlink') target = await readlink(abs, { encoding: 'buffer' });
      const raw = unchanged ? null : await listXattrsAsync(abs);
      return { path: rel, name, parentGfid, stat: st, target, xattrs: raw && { summary: summarizeXattrs(decodeAll(raw)), raw } };
    } catch (e) {
      this.recordError(rel, e, 'llistxattr');
      return { path: rel, name, parentGfid, stat: st, target, xattrs: { summary: summarizeXattrs([]), raw: [] } };
    }
  }

  /** Writes entries and queues their directories; the caller wraps it in a transaction. */
  private store(rows: ReadEntry[]): void {
    const { stmt, brick, gen } = this;
    for (const r of rows) {
      let gfid: string | null;
      if (r.xattrs === null) {
        const prev = stmt.previous.get(brick.id, r.path) as { id: bigint };
        stmt.touch.run(gen, r.parentGfid, prev.id);
        gfid = this.db.prepare(`SELECT gfid FROM entries WHERE id = ?`).pluck().get(prev.id) as string | null;
      } else {
        const s = r.xattrs.summary;
        gfid = s.gfid;
        const id = (stmt.upsert.get({
          brick_id: brick.id, path: r.path, parent_gfid: r.parentGfid, name: r.name, area: areaOf(r.path), type: r.stat.type,
          mode: r.stat.mode, uid: r.stat.uid, gid: r.stat.gid, size: r.stat.size, blocks: r.stat.blocks,
          mtime_ns: r.stat.mtimeNs, ctime_ns: r.stat.ctimeNs, nlink: r.stat.nlink, inode: r.stat.inode, target: r.target,
          gfid: s.gfid, ec_config: s.ecConfig, ec_size: s.ecSize, ec_version_data: s.ecVersionData,
          ec_version_meta: s.ecVersionMeta, ec_healing: s.ecHealing ? 1 : 0, ec_dirty_data: s.ecDirtyData,
          ec_dirty_meta: s.ecDirtyMeta, linkto: s.linkto, shard_size: s.shardSize, xattrs: s.json, scan_gen: gen,
        }) as { id: number }).id;
        stmt.clearXattrs.run(id);
        for (const [name, value] of r.xattrs.raw) stmt.insertXattr.run(id, name, value);
      }
      if (r.stat.type === 'dir') stmt.enqueue.run(brick.id, r.path, gfid);
    }
    this.progress.entries += rows.length;
    this.report(false);
  }

  private async walkNamespace(): Promise<void> {
    for (;;) {
      const dirs = this.stmt.nextDirs.all(this.brick.id, DIRS_AT_ONCE) as Array<{ path: Buffer; gfid: string | null }>;
      if (dirs.length === 0) return;
      await Promise.all(dirs.map((d) => this.scanDirectory(d.path, d.gfid)));
    }
  }

  private async scanDirectory(dirPath: Buffer, dirGfid: string | null): Promise<void> {
    const isRoot = dirPath.length === 1;
    let pending: Array<Promise<ReadEntry | null>> = [];
    const flush = async (last: boolean) => {
      const rows = (await Promise.all(pending)).filter((r): r is ReadEntry => r !== null);
      pending = [];
      this.db.transaction(() => {
        this.store(rows);
        if (last) this.stmt.dequeue.run(this.brick.id, dirPath);
      })();
    };
    try {
      const dir = await opendir(this.abs(dirPath), { encoding: 'buffer', bufferSize: 128 } as never);
      for await (const dirent of dir) {
        const name = dirent.name as unknown as Buffer;
        if (isRoot && name.equals(GLUSTERFS_DIR)) continue;
        const rel = childPath(dirPath, name);
        pending.push(this.limit(() => this.readEntry(rel, name, dirGfid)));
        if (pending.length >= DIR_BATCH) await flush(false);
      }
    } catch (e) {
      this.recordError(dirPath, e, 'opendir');
    }
    await flush(true);
  }

  private async walkHandles(fromBucket: number): Promise<void> {
    const glusterfs = joinPath(this.root, GLUSTERFS_DIR);
    for (let hi = fromBucket; hi < 256; hi++) {
      const hh = hi.toString(16).padStart(2, '0');
      const rows: unknown[][] = [];
      for (const hh2 of await this.list(joinPath(glusterfs, Buffer.from(hh)), `/.glusterfs/${hh}`)) {
        const bucket = `${hh}/${hh2.toString('latin1')}`;
        const bucketDir = joinPath(glusterfs, Buffer.from(bucket, 'latin1'));
        const names = await this.list(bucketDir, `/.glusterfs/${bucket}`);
        const read = await Promise.all(names.map((n) => this.limit(() => this.readHandle(bucketDir, bucket, n))));
        for (const r of read) if (r) rows.push(r);
      }
      this.db.transaction(() => {
        for (const r of rows) this.stmt.upsertHandle.run(...r);
        this.stmt.handlesDone.run(hi + 1, this.brick.id);
      })();
      this.progress.handles += rows.length;
      this.report(false);
    }
  }

  private async list(abs: Buffer, rel: string): Promise<Buffer[]> {
    try {
      const names: Buffer[] = [];
      const dir = await opendir(abs, { encoding: 'buffer', bufferSize: 128 } as never);
      for await (const d of dir) names.push(d.name as unknown as Buffer);
      return names;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.recordError(Buffer.from(rel), e, 'opendir');
      return [];
    }
  }

  private async readHandle(bucketDir: Buffer, bucket: string, name: Buffer) {
    const abs = joinPath(bucketDir, name);
    const rel = Buffer.from(`/.glusterfs/${bucket}/${name.toString('latin1')}`, 'latin1');
    try {
      const st = statFields(await lstat(abs, { bigint: true }));
      const target = st.type === 'symlink' ? await readlink(abs, { encoding: 'buffer' }) : null;
      // A handle of a named inode shares its xattrs with the name; read only the others
      // (orphans, symlink handles, stray directories), whose gfid2path tells their story.
      const known = st.type !== 'dir' && st.type !== 'symlink' && this.stmt.inodeKnown.get(this.brick.id, st.inode) === 1;
      const summary = known ? null : summarizeXattrs(decodeAll(await listXattrsAsync(abs)));
      return [this.brick.id, bucket, name, st.type, st.nlink, st.inode, st.size, target, summary?.gfid ?? null,
        summary?.json ?? null, this.gen];
    } catch (e) {
      this.recordError(rel, e, 'lstat');
      return null;
    }
  }

  private async walkHealIndices(): Promise<void> {
    const indices = joinPath(this.root, Buffer.from('.glusterfs/indices'));
    const rows: Array<[string, string, Buffer | null]> = [];
    for (const kind of ['xattrop', 'dirty'] as const) {
      for (const name of await this.list(joinPath(indices, Buffer.from(kind)), `/.glusterfs/indices/${kind}`)) {
        const text = name.toString('latin1');
        if (!text.startsWith(`${kind}-`)) rows.push([kind, text, null]);
      }
    }
    const changes = joinPath(indices, Buffer.from('entry-changes'));
    for (const parent of await this.list(changes, '/.glusterfs/indices/entry-changes')) {
      const text = parent.toString('latin1');
      if (text.startsWith('entry-changes-')) continue;
      for (const name of await this.list(joinPath(changes, parent), `/.glusterfs/indices/entry-changes/${text}`)) {
        rows.push(['entry-changes', text, name]);
      }
    }
    this.db.transaction(() => {
      for (const [kind, gfid, name] of rows) this.stmt.healIndex.run(this.brick.id, kind, gfid, name, this.gen);
    })();
  }

  private report(final: boolean): void {
    if (!this.opts.onProgress) return;
    const now = Date.now();
    if (!final && now - this.lastReport < 250) return;
    this.lastReport = now;
    this.opts.onProgress({ ...this.progress });
  }
}

const GLUSTERFS_DIR = Buffer.from('.glusterfs');
