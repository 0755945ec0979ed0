/**
 * Walks one brick into the catalog: the namespace (without .glusterfs), the handle tree
 * .glusterfs/xx/yy/, and the heal indices. Memory stays flat however large the brick: the
 * queue of directories still to read lives in the catalog, rows are written in batched
 * transactions, and entries are read with bounded concurrency. The walk is resumable (the
 * queue survives an interruption) and a rescan reuses the xattrs of every entry whose
 * inode, ctime and size did not change.
 */
import { lstat } from 'node:fs/promises';
import pLimit from 'p-limit';
import { listXattrs, listXattrsAsync } from '../fs/xattr.ts';
import { hasStat, scanDirectory, type ScannedEntry } from '../fs/dirscan.ts';
import { childPath, joinPath } from '../fs/names.ts';
import { isGfid2pathValueOf } from '../xattr/gfid2path.ts';
import { entryType, statFields, summarizeXattrs, type StatFields, type XattrSummary } from './entry.ts';
import type { BrickRow, Catalog } from '../index/catalog.ts';
import type { Statement } from 'better-sqlite3';
import { areaOf, type Area } from './areas.ts';
import { ENTRY_INDEXES, HANDLE_INDEXES } from '../index/schema.ts';

export interface ScanProgress { brick: number; phase: 'namespace' | 'handles' | 'indices'; entries: number; handles: number }

export interface ScanOptions {
  /** Directories read at once, each in batches on the thread pool. */
  jobs: number;
  /** Continue an interrupted scan from its saved queue instead of starting over. */
  resume: boolean;
  onProgress?: (p: ScanProgress) => void;
}

/** An entry as read, with its xattrs, or with the previous scan's row when that is still valid (same inode, ctime, size). */
type ReadEntry = {
  path: Buffer;
  area: Area;
  name: Buffer;
  parentGfid: string | null;
  stat: StatFields;
  target: Buffer | null;
} & ({ xattrs: XattrSummary; kept?: never } | { xattrs?: never; kept: { id: bigint; gfid: string | null } });

const DIR_BATCH = 512;
/** First-level handle buckets read ahead of the one being stored: enough to keep the pool busy. */
const HANDLE_BUCKETS_AHEAD = 3;

interface PreviousRow { id: bigint; inode: bigint; ctime_ns: bigint; size: bigint; gfid: string | null }

/** The entries columns the walk writes, in the order store() passes them. */
const ENTRY_COLUMNS = [
  'brick_id', 'path', 'parent_gfid', 'name', 'area', 'type', 'mode', 'uid', 'gid', 'size',
  'blocks', 'mtime_ns', 'ctime_ns', 'nlink', 'inode', 'target', 'gfid', 'ec_config', 'ec_size',
  'ec_version_data', 'ec_version_meta', 'ec_healing', 'ec_dirty_data', 'ec_dirty_meta', 'linkto', 'shard_size',
  'xattr_suspect', 'g2p_own', 'xattrs', 'scan_gen',
] as const;

export async function scanBrick(catalog: Catalog, brick: BrickRow, opts: ScanOptions): Promise<void> {
  const scan = new BrickScan(catalog, brick, opts);
  await scan.run();
}

class BrickScan {
  private readonly db;
  private readonly root: Buffer;
  private readonly limit;
  private gen = 0;
  /** Rows of an earlier or interrupted scan may exist: look them up to reuse unchanged ones. */
  private rescan = false;
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
      previous: db.prepare(`SELECT id, inode, ctime_ns, size, gfid FROM entries WHERE brick_id = ? AND path = ?`).safeIntegers(true),
      touch: db.prepare(`UPDATE entries SET scan_gen = ?, parent_gfid = ? WHERE id = ?`),
      upsert: db.prepare(`INSERT INTO entries (${ENTRY_COLUMNS.join(', ')}) VALUES (${ENTRY_COLUMNS.map(() => '?').join(', ')})
        ON CONFLICT (path, brick_id) DO UPDATE SET ${ENTRY_COLUMNS.filter((c) => c !== 'brick_id' && c !== 'path').map((c) => `${c} = excluded.${c}`).join(', ')}`),
      enqueue: db.prepare(`INSERT OR REPLACE INTO walk_queue (brick_id, path, gfid) VALUES (?, ?, ?)`),
      dequeue: db.prepare(`DELETE FROM walk_queue WHERE brick_id = ? AND path = ?`),
      nextDirs: db.prepare(`SELECT path, gfid FROM walk_queue WHERE brick_id = ? LIMIT ?`),
      scanError: db.prepare(`INSERT OR REPLACE INTO scan_errors (brick_id, path, syscall, code, scan_gen) VALUES (?, ?, ?, ?, ?)`),
      healIndex: db.prepare(`INSERT OR REPLACE INTO heal_index (brick_id, kind, gfid, name, scan_gen) VALUES (?, ?, ?, ?, ?)`),
      setBrick: db.prepare(`UPDATE bricks SET state = ?, scan_gen = ?, handles_done = ?, started_at = COALESCE(?, started_at),
        finished_at = ? WHERE id = ?`),
      handlesDone: db.prepare(`UPDATE bricks SET handles_done = ? WHERE id = ?`),
    };
  }

  async run(): Promise<void> {
    const b = this.brick;
    let handlesFrom = 0;
    this.rescan = b.scan_gen > 0;
    if (b.state === 'scanning' && this.opts.resume) {
      this.gen = b.scan_gen;
      handlesFrom = b.handles_done;
    } else {
      this.gen = b.scan_gen + 1;
      const seed = await this.readRoot();
      this.db.transaction(() => {
        this.db.prepare(`DELETE FROM walk_queue WHERE brick_id = ?`).run(b.id);
        // Handles are not reused across scans: with none left, the walk appends without a unique check.
        this.db.prepare(`DELETE FROM handles WHERE brick_id = ?`).run(b.id);
        this.stmt.setBrick.run('scanning', this.gen, 0, new Date().toISOString(), null, b.id);
        if (seed) this.store([seed]);
      })();
    }
    // The two trees at once: the handle walk's reads fill the thread pool while the main
    // thread stores namespace rows, instead of each phase waiting on the other's idle side.
    // Both settle before a failure propagates: neither may touch the catalog once it closes.
    const walks = await Promise.allSettled([
      this.walkNamespace().then(() => { this.progress.phase = 'handles'; }),
      this.walkHandles(handlesFrom),
    ]);
    for (const w of walks) if (w.status === 'rejected') throw w.reason;
    this.db.exec(ENTRY_INDEXES);
    this.db.exec(HANDLE_INDEXES);
    await this.readUnnamedHandles();
    this.progress.phase = 'indices';
    await this.walkHealIndices();
    this.db.transaction(() => {
      // What an earlier generation saw and this one did not is gone from the brick. The first
      // generation has nothing older: skip four whole-table scans.
      for (const table of this.gen > 1 ? ['entries', 'handles', 'heal_index', 'scan_errors'] : []) {
        this.db.prepare(`DELETE FROM ${table} WHERE brick_id = ? AND scan_gen < ?`).run(b.id, this.gen);
      }
      this.stmt.setBrick.run('complete', this.gen, 256, null, new Date().toISOString(), b.id);
    })();
    this.report(true);
  }

  private abs(rel: Buffer): Buffer {
    return rel.length === 1 ? this.root : joinPath(this.root, rel.subarray(1));
  }

  /** A non-system error (a catalog store that threw) is recorded by its name, e.g. RangeError. */
  private recordError(rel: Buffer, e: unknown, syscall: string): void {
    const err = e as NodeJS.ErrnoException;
    this.stmt.scanError.run(this.brick.id, rel, err.syscall ?? syscall, err.code ?? err.name ?? 'EIO', this.gen);
  }

  /** The brick root itself, read on its own: the walk only lists what is inside directories. */
  private async readRoot(): Promise<ReadEntry | null> {
    const rel = Buffer.from('/');
    try {
      const st = statFields(await lstat(this.root, { bigint: true }));
      return { path: rel, area: 'namespace', name: Buffer.alloc(0), parentGfid: null, stat: st, target: null, xattrs: summarizeXattrs(listXattrs(this.root)) };
    } catch (e) {
      this.recordError(rel, e, 'lstat');
      return null;
    }
  }

  /** `dirArea`: the area of everything in the directory, or null for the root (each top-level name has its own). */
  private fromScanned(dirPath: Buffer, dirGfid: string | null, dirArea: Area | null, e: ScannedEntry): ReadEntry | null {
    const rel = childPath(dirPath, e.name);
    if (!hasStat(e)) {
      this.recordError(rel, e.error, 'lstat');
      return null;
    }
    const stat = statFields(e);
    if (e.error) this.recordError(rel, e.error, 'llistxattr');
    const prev = this.rescan ? this.stmt.previous.get(this.brick.id, rel) as PreviousRow | undefined : undefined;
    const unchanged = prev && prev.inode === stat.inode && prev.ctime_ns === stat.ctimeNs && prev.size === stat.size;
    const entry = { path: rel, area: dirArea ?? areaOf(rel), name: e.name, parentGfid: dirGfid, stat, target: e.target ?? null };
    return unchanged ? { ...entry, kept: { id: prev.id, gfid: prev.gfid } } : { ...entry, xattrs: summarizeXattrs(e.xattrs ?? []) };
  }

  /** Writes entries and queues their directories; the caller wraps it in a transaction. */
  private store(rows: ReadEntry[]): void {
    const { stmt, brick, gen } = this;
    for (const r of rows) {
      let gfid: string | null;
      if (r.kept) {
        stmt.touch.run(gen, r.parentGfid, r.kept.id);
        gfid = r.kept.gfid;
      } else {
        const s = r.xattrs;
        gfid = s.gfid;
        // Positional, in ENTRY_COLUMNS order: binding by name costs a tenth of the insert.
        stmt.upsert.run(
          brick.id, r.path, r.parentGfid, r.name, r.area, r.stat.type, r.stat.mode, r.stat.uid, r.stat.gid, r.stat.size,
          r.stat.blocks, r.stat.mtimeNs, r.stat.ctimeNs, r.stat.nlink, r.stat.inode, r.target, s.gfid, s.ecConfig, s.ecSize,
          s.ecVersionData, s.ecVersionMeta, s.ecHealing ? 1 : 0, s.ecDirtyData, s.ecDirtyMeta, s.linkto, s.shardSize,
          s.suspect ? 1 : 0, ownGfid2path(r, s) ? 1 : 0, s.json, gen,
        );
      }
      if (r.stat.type === 'dir') stmt.enqueue.run(brick.id, r.path, gfid);
    }
    this.progress.entries += rows.length;
    this.report(false);
  }

  /**
   * Keeps `jobs` directories in flight (p-limit), refilling from the catalog's queue as each
   * finishes; a directory stays queued until its last batch is stored, so nothing is lost to
   * an interruption and nothing in flight is taken twice.
   */
  private async walkNamespace(): Promise<void> {
    const inFlight = new Set<string>();
    let finished: () => void = () => {};
    let failure: unknown = null;
    for (;;) {
      if (failure) throw failure;
      const wanted = this.opts.jobs - inFlight.size;
      const dirs = wanted > 0
        ? (this.stmt.nextDirs.all(this.brick.id, this.opts.jobs + inFlight.size) as Array<{ path: Buffer; gfid: string | null }>)
          .filter((d) => !inFlight.has(d.path.toString('latin1'))).slice(0, wanted)
        : [];
      if (dirs.length === 0 && inFlight.size === 0) {
        if (failure) throw failure;
        return;
      }
      const oneDone = new Promise<void>((resolve) => { finished = resolve; });
      for (const d of dirs) {
        const key = d.path.toString('latin1');
        inFlight.add(key);
        this.limit(() => this.scanDirectory(d.path, d.gfid))
          .catch((e: unknown) => { failure ??= e; })
          .finally(() => {
            inFlight.delete(key);
            finished();
          });
      }
      await oneDone;
    }
  }

  /**
   * One directory, a batch at a time; it leaves the queue with its last batch. Whatever
   * fails, reading or storing, the directory leaves the queue: a failure is recorded, never
   * retried by the walk (that would loop for as long as the failure repeats).
   */
  private async scanDirectory(dirPath: Buffer, dirGfid: string | null): Promise<void> {
    const skipGlusterfs = dirPath.length === 1;
    const flush = (rows: ReadEntry[], last: boolean) => this.db.transaction(() => {
      this.store(rows);
      if (last) this.stmt.dequeue.run(this.brick.id, dirPath);
    })();
    const area = skipGlusterfs ? null : areaOf(dirPath);
    let dequeued = false;
    let syscall = 'opendir';
    try {
      for await (const batch of scanDirectory(this.abs(dirPath), { xattrs: true, batch: DIR_BATCH })) {
        const rows: ReadEntry[] = [];
        for (const e of batch) {
          if (skipGlusterfs && e.name.equals(GLUSTERFS_DIR)) continue;
          const row = this.fromScanned(dirPath, dirGfid, area, e);
          if (row) rows.push(row);
        }
        // A short batch is the directory's last (the reader stopped at its end): one
        // transaction for most directories instead of two.
        syscall = 'catalog insert';
        flush(rows, batch.length < DIR_BATCH);
        dequeued = batch.length < DIR_BATCH;
        syscall = 'readdir';
      }
    } catch (e) {
      this.recordError(dirPath, e, syscall);
    }
    if (!dequeued) this.stmt.dequeue.run(this.brick.id, dirPath);
  }

  private async walkHandles(fromBucket: number): Promise<void> {
    const glusterfs = joinPath(this.root, GLUSTERFS_DIR);
    const hex = (hi: number) => hi.toString(16).padStart(2, '0');
    // Names come back as `yy/<gfid>`: every second-level bucket of xx in one pass. The next
    // few xx are read on the thread pool while this one is written.
    const listBucket = (hi: number) => this.list(joinPath(glusterfs, Buffer.from(hex(hi))), `/.glusterfs/${hex(hi)}`, true);
    const ahead = new Map<number, Promise<ScannedEntry[]>>();
    const readAhead = (hi: number) => { if (hi < 256) ahead.set(hi, listBucket(hi)); };
    for (let hi = fromBucket; hi < fromBucket + HANDLE_BUCKETS_AHEAD; hi++) readAhead(hi);
    // The brick and generation of every row are written into the statement, not bound per row.
    const insert = this.db.prepare(`INSERT INTO handles (brick_id, bucket, name, type, nlink, inode, size, target, scan_gen)
      VALUES (${this.brick.id}, ?, ?, ?, ?, ?, ?, ?, ${this.gen})`);
    for (let hi = fromBucket; hi < 256; hi++) {
      const hh = hex(hi);
      const found = await ahead.get(hi)!;
      ahead.delete(hi);
      readAhead(hi + HANDLE_BUCKETS_AHEAD);
      let stored = 0;
      this.db.transaction(() => {
        for (const e of found) if (this.storeHandle(insert, hh, e)) stored++;
        this.stmt.handlesDone.run(hi + 1, this.brick.id);
      })();
      this.progress.handles += stored;
      this.report(false);
    }
  }

  /** Entries of a directory (or of its subdirectories) without their xattrs; an unreadable directory is recorded. */
  private async list(abs: Buffer, rel: string, twoLevels = false): Promise<ScannedEntry[]> {
    const entries: ScannedEntry[] = [];
    try {
      for await (const batch of scanDirectory(abs, { xattrs: false, batch: DIR_BATCH, twoLevels })) entries.push(...batch);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.recordError(Buffer.from(rel), e, 'opendir');
    }
    return entries;
  }

  /**
   * One object of .glusterfs/xx, named `yy/<name>` (or just `<name>` if it sits in xx itself);
   * false when it could not be statted (recorded as a scan error instead).
   */
  private storeHandle(insert: Statement, hh: string, e: ScannedEntry): boolean {
    if (!hasStat(e)) {
      this.recordError(Buffer.from(`/.glusterfs/${hh}/${e.name.toString('latin1')}`, 'latin1'), e.error, 'lstat');
      return false;
    }
    const slash = e.name.indexOf(0x2f);
    const bucket = slash < 0 ? hh : `${hh}/${e.name.toString('latin1', 0, slash)}`;
    insert.run(bucket, e.name.subarray(slash + 1), entryType(e.mode), e.nlink, e.ino, e.size, e.target ?? null);
    return true;
  }

  /**
   * A handle of a named inode shares its xattrs with the name. The others (orphans, symlink
   * handles, stray directories) are read once the whole tree is listed, found by one query
   * rather than one lookup per handle: their gfid2path tells where an orphan came from.
   */
  private async readUnnamedHandles(): Promise<void> {
    const rows = this.db.prepare(`SELECT rowid AS id, bucket, name FROM handles h WHERE brick_id = @brick AND xattrs IS NULL
      AND (type IN ('symlink', 'dir') OR NOT EXISTS (SELECT 1 FROM entries e WHERE e.brick_id = h.brick_id AND e.inode = h.inode))`)
      .all({ brick: this.brick.id }) as Array<{ id: number; bucket: string; name: Buffer }>;
    const update = this.db.prepare(`UPDATE handles SET gfid = ?, xattrs = ? WHERE rowid = ?`);
    const glusterfs = joinPath(this.root, GLUSTERFS_DIR);
    const read = await Promise.all(rows.map((h) => this.limit(async () => {
      const abs = joinPath(joinPath(glusterfs, Buffer.from(h.bucket, 'latin1')), h.name);
      try {
        return { id: h.id, summary: summarizeXattrs(await listXattrsAsync(abs)) };
      } catch (err) {
        this.recordError(Buffer.concat([Buffer.from(`/.glusterfs/${h.bucket}/`, 'latin1'), h.name]), err, 'llistxattr');
        return null;
      }
    })));
    this.db.transaction(() => {
      for (const r of read) if (r) update.run(r.summary.gfid, r.summary.json, r.id);
    })();
  }

  private async walkHealIndices(): Promise<void> {
    const indices = joinPath(this.root, Buffer.from('.glusterfs/indices'));
    const rows: Array<[string, string, Buffer | null]> = [];
    for (const kind of ['xattrop', 'dirty'] as const) {
      for (const { name } of await this.list(joinPath(indices, Buffer.from(kind)), `/.glusterfs/indices/${kind}`)) {
        const text = name.toString('latin1');
        if (!text.startsWith(`${kind}-`)) rows.push([kind, text, null]);
      }
    }
    const changes = joinPath(indices, Buffer.from('entry-changes'));
    for (const { name: parent } of await this.list(changes, '/.glusterfs/indices/entry-changes')) {
      const text = parent.toString('latin1');
      if (text.startsWith('entry-changes-')) continue;
      for (const { name } of await this.list(joinPath(changes, parent), `/.glusterfs/indices/entry-changes/${text}`)) {
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

/**
 * Exactly one gfid2path, keyed right, and the one this name calls for: pass 2 can skip the
 * entry's JSON. Its key already matched its value, so comparing the value is enough.
 */
function ownGfid2path(r: ReadEntry, s: XattrSummary): boolean {
  if (s.gfid2pathValues.length !== 1 || !s.gfid2pathKeysMatch || r.parentGfid === null) return false;
  return isGfid2pathValueOf(s.gfid2pathValues[0]!, r.parentGfid, r.name);
}
