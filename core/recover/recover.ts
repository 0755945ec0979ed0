/**
 * `rebuild --out`: the volume's namespace and content recovered straight from the bricks
 * into a plain directory. Names are decided per path (names.ts), each inode's content and
 * metadata from its copies (ec-plan.ts, replica-plan.ts, metadata.ts), written by
 * output.ts. Directories are created as they come (path order puts a parent first) and get
 * their metadata last, deepest first. Regular files are recovered a few at a time.
 */
import { lstat, type FileHandle } from 'node:fs/promises';
import pLimit from 'p-limit';
import { Catalog } from '../index/catalog.ts';
import { requireRoot, scanVolume, validateBricks } from '../inspect/inspect.ts';
import { requireOneVolume } from '../volume/identity.ts';
import { GfsckError, errorText } from '../errors.ts';
import { escapeName, unescapeName } from '../fs/names.ts';
import { parseGfid } from '../gfid-tree/gfid.ts';
import type { ScanProgress } from '../brick/scan.ts';
import { areaOf } from '../brick/areas.ts';
import { brickSets, parseLayoutOption, type VolumeLayout } from '../volume/layout.ts';
import { resolveLayout, type LayoutSource } from '../volume/resolve.ts';
import { EcWorkerPool } from '../ec/parallel.ts';
import { chooseFragments, type Exclusion } from './ec-plan.ts';
import { chooseReplica } from './replica-plan.ts';
import type { Policy } from '../heal/policy.ts';
import { chooseMetadata, type Metadata } from './metadata.ts';
import { decideName } from './names.ts';
import { SparseWriter, streamCopy, streamEc, type StreamContext, type StreamOutcome } from './content.ts';
import { EntryError, OutputTree, type OwnerAndTimes, type SpecialType } from './output.ts';
import { CatalogSource, DirectSource, type CopySource } from './sources.ts';
import { ancestorPaths, normalizeVolumePath, pathComponents } from './paths.ts';
import { parentPath } from '../fs/names.ts';
import { gfidOf, isDisperse, isLinktoCopy, xattr, type BrickCopy, type VolumeShape } from '../volume/copies.ts';
import type { EntryReport, RecoverProgress, RecoverSummary } from './report.ts';

export interface RecoverOptions {
  bricks: string[];
  out: string;
  /** Recover into a non-empty DIR, replacing what is in the way. */
  force: boolean;
  layout: LayoutSource;
  /** Catalog file: kept after the run, and reused (bricks already scanned are not rescanned). */
  db: string | null;
  /** Volume paths (as escapeName prints them) to recover instead of everything. */
  only: string[];
  /** Gfids to recover (every name of each). */
  gfids: string[];
  /** For files GlusterFS cannot heal: recover all the fragments hold, not just ec.size. */
  trustFragments: boolean;
  /** Replica split-brains: the copy to keep (--policy); without one every side is recovered under its own name. */
  policy: Policy | null;
  /** Copy user.* xattrs. */
  xattrs: boolean;
  /** Files recovered at once. */
  jobs: number;
  onEntry(report: EntryReport): void;
  onProgress?(p: RecoverProgress): void;
  onScan?(p: ScanProgress): void;
}

/** Regular files queued before the walk waits for them: bounds memory on huge volumes. */
const QUEUE_LIMIT = 256;

export async function recover(opts: RecoverOptions): Promise<RecoverSummary> {
  const started = Date.now();
  requireRoot();
  const roots = validateBricks(opts.bricks);
  requireOneVolume(roots, opts.layout.volinfo);
  const targets = parseTargets(opts);
  const output = await OutputTree.open(opts.out, opts.force, roots);
  let run: OpenedSource;
  try {
    run = await openSource(opts, roots, targets);
  } catch (e) {
    await output.abandon();
    throw e;
  }
  let pool: EcWorkerPool | null = null;
  try {
    const job = new RecoveryRun(opts, run.shape, run.source, output, () => (pool ??= new EcWorkerPool()));
    await job.walk(run.groups());
    job.reportUnreached(run.targets);
    const counts = job.counts;
    return { ...counts, entries: counts.recovered + counts.partial + counts.failed + counts.skipped, bytes: job.bytes, seconds: (Date.now() - started) / 1000, scanned: run.scanned, out: output.root };
  } finally {
    await output.close();
    run.close();
    await (pool as EcWorkerPool | null)?.close();
  }
}

interface Targets {
  paths: Buffer[];
  gfids: string[];
}

function parseTargets(opts: RecoverOptions): Targets | null {
  if (opts.only.length === 0 && opts.gfids.length === 0) return null;
  const paths = opts.only.map((p) => {
    let path: Buffer;
    try {
      path = normalizeVolumePath(unescapeName(p));
    } catch (e) {
      throw new GfsckError('usage', `--only ${p}: ${(e as Error).message}`);
    }
    if (!isUserPath(path)) throw new GfsckError('usage', `--only ${p}: GlusterFS's own, not user data`);
    return path;
  });
  const gfids = opts.gfids.map((g) => parseGfid(g) ?? fail(`--gfid ${g}: not a gfid`));
  return { paths, gfids };
}

/** What clients can see: not .glusterfs, .shard or AFR's anonymous-inode folder. */
function isUserPath(path: Buffer): boolean {
  if (pathComponents(path)[0]?.equals(Buffer.from('.glusterfs'))) return false;
  const area = areaOf(path);
  return area === 'namespace' || area === 'trashcan';
}

function fail(message: string): never {
  throw new GfsckError('usage', message);
}

interface OpenedSource {
  shape: VolumeShape;
  source: CopySource;
  scanned: boolean;
  /** Every path asked for (--only, and the names of each --gfid). */
  targets: Buffer[];
  groups(): AsyncGenerator<BrickCopy[]>;
  close(): void;
}

/**
 * Targets that are not directories are looked up straight on the bricks when the layout is
 * known without a scan (--volinfo, --layout, or the target's own trusted.ec.config) and no
 * complete catalog is at hand; everything else goes through the catalog.
 */
async function openSource(opts: RecoverOptions, roots: string[], targets: Targets | null): Promise<OpenedSource> {
  const rootBuffers = roots.map((r) => Buffer.from(r));
  if (targets && !(opts.db && catalogComplete(opts.db, roots))) {
    const direct = await directSource(opts.layout, rootBuffers, targets);
    if (direct) return direct;
  }
  const catalog = Catalog.open(opts.db);
  try {
    const { layout, sets } = await scanVolume(catalog, roots, { resume: opts.db !== null, layout: opts.layout, jobs: 32, onProgress: opts.onScan });
    const shape = { layout, sets, roots: rootBuffers };
    const source = new CatalogSource(catalog.db, shape);
    const groups = async function* (): AsyncGenerator<BrickCopy[]> {
      if (!targets) {
        yield* source.namespace(Buffer.from('/'));
        return;
      }
      for (const path of withAncestors(paths)) {
        if (paths.some((p) => p.equals(path))) yield* source.namespace(path);
        else yield await source.copiesOfPath(path);
      }
    };
    const paths = targets ? await targetPaths(source, targets) : [];
    return { shape, source, scanned: true, targets: paths, groups, close: () => catalog.close() };
  } catch (e) {
    catalog.close();
    throw e;
  }
}

function catalogComplete(db: string, roots: string[]): boolean {
  const catalog = Catalog.open(db);
  try {
    const bricks = catalog.bricks();
    return bricks.length === roots.length && bricks.every((b, i) => b.state === 'complete' && b.root.equals(Buffer.from(roots[i]!)));
  } finally {
    catalog.close();
  }
}

async function directSource(layoutSource: LayoutSource, roots: Buffer[], targets: Targets): Promise<OpenedSource | null> {
  const layout = await knownLayout(layoutSource, roots, targets);
  if (!layout) return null;
  const shape = { layout, sets: brickSets(layout, roots.length), roots };
  const source = new DirectSource(shape);
  const paths = await targetPaths(source, targets);
  const lookups = new Map<string, BrickCopy[]>();
  for (const path of paths) {
    const copies = await source.copiesOfPath(path);
    // A directory target means its whole subtree: that needs the scan.
    if (copies.some((c) => c.type === 'dir')) return null;
    lookups.set(path.toString('hex'), copies);
  }
  const groups = async function* (): AsyncGenerator<BrickCopy[]> {
    for (const path of withAncestors(paths)) yield lookups.get(path.toString('hex')) ?? (await source.copiesOfPath(path));
  };
  return { shape, source, scanned: false, targets: paths, groups, close: () => undefined };
}

/**
 * The layout from --volinfo/--layout (checked as usual, against an empty catalog), or a
 * disperse layout read from the first target's trusted.ec.config; null when only a scan can tell.
 */
async function knownLayout(layoutSource: LayoutSource, roots: Buffer[], targets: Targets): Promise<VolumeLayout | null> {
  if (layoutSource.volinfo || layoutSource.layout) {
    const empty = Catalog.open(null);
    try {
      return resolveLayout(empty, layoutSource, roots.length);
    } finally {
      empty.close();
    }
  }
  // One brick per set is enough to read the target's own xattrs.
  const distribute = parseLayoutOption('distribute');
  const probe: VolumeShape = { layout: distribute, sets: brickSets(distribute, roots.length), roots };
  const first = targets.paths[0];
  if (!first) return null;
  for (const copy of await new DirectSource(probe).copiesOfPath(first)) {
    const config = xattr(copy, 'trusted.ec.config');
    if (config?.kind !== 'ec-config') continue;
    const layout = parseLayoutOption(`disperse:${config.config.bricks - config.config.redundancy}+${config.config.redundancy}`);
    return roots.length % layout.setSize === 0 ? { ...layout, source: 'inferred' } : null;
  }
  return null;
}

/** --only paths and every name of each --gfid; a gfid without a name fails the run (there is nothing to place). */
async function targetPaths(source: CopySource, targets: Targets): Promise<Buffer[]> {
  const paths = [...targets.paths];
  for (const gfid of targets.gfids) {
    const names = await source.pathsOfGfid(gfid);
    if (names.length === 0) throw new GfsckError('operational', `--gfid ${gfid}: no name of this gfid was found on the bricks`);
    paths.push(...names);
  }
  return paths;
}

/** The targets and every directory above them, each once, parents first. */
function withAncestors(paths: Buffer[]): Buffer[] {
  const all = new Map<string, Buffer>();
  for (const p of paths) for (const a of [...ancestorPaths(p), p]) all.set(a.toString('hex'), a);
  return [...all.values()].sort(Buffer.compare);
}

// ---------------------------------------------------------------------------------------------

interface PendingDirectory {
  path: Buffer;
  report: EntryReport;
  meta: Metadata;
}

class RecoveryRun {
  readonly counts = { recovered: 0, partial: 0, failed: 0, skipped: 0 };
  bytes = 0;
  /** Volume paths (hex) of directories created in the output. */
  private readonly createdDirs = new Set<string>([Buffer.from('/').toString('hex')]);
  /** Directories (escaped paths) reported failed or skipped: what their entries are reported as. */
  private readonly unplaced = new Map<string, 'failed' | 'skipped'>();
  private readonly directories: PendingDirectory[] = [];
  /** Recent directories' copies, for the AFR entry sources of their children. */
  private readonly dirCopies = new Map<string, BrickCopy[]>();
  /** First name of each inode with several names, once its content is written (null: failed). */
  private readonly inodes = new Map<string, Promise<Buffer | null>>();
  private readonly limit;
  private readonly stream: StreamContext;
  /** Paths (hex) the walk decided on, to tell which targets were never found. */
  private readonly reached = new Set<string>();

  constructor(
    private readonly opts: RecoverOptions,
    private readonly shape: VolumeShape,
    private readonly source: CopySource,
    private readonly output: OutputTree,
    pool: () => EcWorkerPool,
  ) {
    this.limit = pLimit(opts.jobs);
    this.stream = {
      pool,
      onBytes: (n) => {
        this.bytes += n;
        this.progress();
      },
    };
  }

  /** Emits a failure for each target that the walk never reached. */
  reportUnreached(targets: Buffer[]): void {
    for (const path of targets) {
      if (this.reached.has(path.toString('hex'))) continue;
      this.emit({ path: escapeName(path), type: 'file', gfid: null, status: 'failed', reason: 'not found on any brick, or a directory above it was not recovered', notes: [] });
    }
  }

  async walk(groups: AsyncGenerator<BrickCopy[]>): Promise<void> {
    let queued: Array<Promise<void>> = [];
    for await (const copies of groups) {
      const path = copies[0]?.path;
      if (!path) continue;
      if (path.length === 1) {
        this.dirCopies.set(path.toString('hex'), copies);
        continue;
      }
      // Below a directory that was not recovered (stale, skipped or failed): nothing to place
      // it in, but it is reported, so the summary counts every entry of the volume.
      if (!this.createdDirs.has(parentPath(path).toString('hex'))) {
        this.belowUnplaced(path, copies[0]!);
        continue;
      }
      this.reached.add(path.toString('hex'));
      const task = await this.entry(path, copies);
      if (task) queued.push(task);
      if (queued.length >= QUEUE_LIMIT) {
        await Promise.all(queued);
        queued = [];
      }
    }
    await Promise.all(queued);
    await this.finishDirectories();
  }

  /** Handles one name; regular files come back as a queued task. */
  private async entry(path: Buffer, copies: BrickCopy[]): Promise<Promise<void> | null> {
    const parent = await this.parentCopies(path);
    const decision = decideName(copies, parent, this.shape, this.opts.policy);
    const base = { path: escapeName(path), gfid: decision.gfid, type: decision.type };
    if (decision.kind !== 'accept') {
      this.emit({ ...base, status: decision.kind === 'skip' ? 'skipped' : 'failed', reason: decision.reason, notes: [] });
      return null;
    }
    const notes = [...decision.notes];
    // A name two bricks disagree on is recovered like any other, but reported as a guess.
    const start: EntryReport = decision.conflict ? { ...base, status: 'partial', reason: decision.conflict, notes } : { ...base, status: 'recovered', notes };
    try {
      switch (decision.type) {
        case 'dir':
          await this.directory(path, decision.copies, { ...start });
          return null;
        case 'file':
          if (decision.sides) {
            const sides = decision.sides;
            const meta = chooseMetadata(decision.copies, this.shape, this.opts.policy);
            return this.limit(async () => void (await this.sideBySide(path, { ok: 'sides', sides, reason: decision.conflict!, excluded: [] }, meta, { ...start })));
          }
          return this.limit(() => this.file(path, decision.gfid, decision.copies, { ...start }));
        default:
          await this.linkLike(path, decision.type, decision.copies, { ...start });
          return null;
      }
    } catch (e) {
      this.emit({ ...base, status: 'failed', reason: describeError(e), notes });
      return null;
    }
  }

  private async parentCopies(path: Buffer): Promise<BrickCopy[] | null> {
    if (this.shape.layout.kind !== 'replicate') return null;
    const key = parentPath(path).toString('hex');
    let copies = this.dirCopies.get(key);
    if (!copies) {
      copies = await this.source.copiesOfPath(parentPath(path));
      this.remember(key, copies);
    }
    return copies;
  }

  private remember(key: string, copies: BrickCopy[]): void {
    this.dirCopies.delete(key);
    this.dirCopies.set(key, copies);
    if (this.dirCopies.size > 1024) this.dirCopies.delete(this.dirCopies.keys().next().value!);
  }

  private async directory(path: Buffer, copies: BrickCopy[], report: EntryReport): Promise<void> {
    await this.output.mkdir(path);
    this.createdDirs.add(path.toString('hex'));
    this.remember(path.toString('hex'), copies);
    // Each subvolume keeps its own copy of a directory; the newest times are the volume's.
    const perSet = [...new Set(copies.map((c) => c.set))].map((set) => chooseMetadata(copies.filter((c) => c.set === set), this.shape, this.opts.policy));
    const meta = perSet.reduce((a, b) => (timeOf(b) > timeOf(a) ? b : a));
    report.notes.push(...meta.notes);
    this.directories.push({ path, report, meta });
  }

  private async finishDirectories(): Promise<void> {
    const deepestFirst = [...this.directories].sort((a, b) => Buffer.compare(b.path, a.path));
    for (const dir of deepestFirst) {
      try {
        await this.output.finishDirectory(dir.path, await ownerAndTimes(dir.meta), this.opts.xattrs);
        this.emit(dir.report);
      } catch (e) {
        this.emit({ ...dir.report, status: 'partial', reason: `contents recovered, but not its metadata: ${describeError(e)}` });
      }
    }
  }

  /** Symlinks, FIFOs, sockets and devices: metadata only, taken from the best copy. */
  private async linkLike(path: Buffer, type: EntryReport['type'], copies: BrickCopy[], report: EntryReport): Promise<void> {
    const meta = chooseMetadata(this.oneSet(copies), this.shape, this.opts.policy);
    report.notes.push(...meta.notes);
    if (type === 'symlink') {
      await this.output.symlink(path, meta.copy.target ?? Buffer.alloc(0));
    } else {
      const rdev = (await lstat(meta.copy.file, { bigint: true })).rdev;
      await this.output.special(path, type as SpecialType, rdev);
    }
    await this.output.finishLink(path, await ownerAndTimes(meta), type === 'symlink', this.opts.xattrs);
    this.emit({ ...report, sources: [meta.copy.brick] });
  }

  /** The copies of the subvolume holding most of them (a name normally lives on one). */
  private oneSet(copies: BrickCopy[]): BrickCopy[] {
    const counts = new Map<number, number>();
    for (const c of copies) counts.set(c.set, (counts.get(c.set) ?? 0) + 1);
    const set = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
    return copies.filter((c) => c.set === set);
  }

  private async file(path: Buffer, gfid: string | null, nameCopies: BrickCopy[], report: EntryReport): Promise<void> {
    const named = this.oneSet(nameCopies);
    const multiName = gfid !== null && named.some((c) => c.nlink > 2);
    const first = multiName ? this.inodes.get(gfid) : undefined;
    if (first) {
      await this.hardLink(path, await first, report);
      return;
    }
    let settle: (path: Buffer | null) => void = () => undefined;
    if (multiName) this.inodes.set(gfid, new Promise((resolve) => (settle = resolve)));
    let ok = false;
    try {
      ok = await this.fileContent(path, gfid, named, report);
    } catch (e) {
      this.emit({ ...report, status: 'failed', reason: describeError(e) });
    } finally {
      settle(ok ? path : null);
    }
  }

  private async hardLink(path: Buffer, first: Buffer | null, report: EntryReport): Promise<void> {
    if (first === null) {
      this.emit({ ...report, status: 'failed', reason: 'another name of this inode could not be recovered (see that entry)' });
      return;
    }
    try {
      await this.output.link(first, path);
      this.emit({ ...report, linkOf: escapeName(first) });
    } catch (e) {
      this.emit({ ...report, status: 'failed', reason: describeError(e) });
    }
  }

  /** Writes one inode's content and metadata; true when something usable was written. */
  private async fileContent(path: Buffer, gfid: string | null, named: BrickCopy[], report: EntryReport): Promise<boolean> {
    const set = named[0]!.set;
    const copies = await this.inodeCopies(gfid, set, named);
    const meta = chooseMetadata(copies, this.shape, this.opts.policy);
    report.notes.push(...meta.notes);
    const piece = this.planPiece(copies);
    if (piece.ok === 'sides') return this.sideBySide(path, piece, meta, report);
    if (!piece.ok) {
      this.emit({ ...report, status: 'failed', reason: piece.reason, excluded: piece.excluded });
      return false;
    }
    let handle: FileHandle | null = null;
    let written = false;
    try {
      const shard = shardLayout(meta.copy);
      handle = await this.output.createFile(path);
      const writer = new SparseWriter(handle);
      const outcome = await piece.stream(writer, 0);
      const result: EntryReport = { ...report, ...piece.summary, notes: [...report.notes, ...piece.summary.notes], size: piece.length };
      describeOutcome(outcome, result);
      if (shard) {
        result.size = shard.fileSize;
        await this.shards(gfid, shard, writer, result);
      }
      await writer.finish(result.size!);
      await this.output.finishFile(path, handle, await ownerAndTimes(meta), this.opts.xattrs);
      written = true;
      this.emit(result);
      return true;
    } catch (e) {
      this.emit({ ...report, ...piece.summary, status: 'failed', reason: describeError(e), notes: [...report.notes, ...piece.summary.notes] });
      return false;
    } finally {
      if (handle) {
        await handle.close();
        if (!written) await this.output.discard(path, false);
      }
    }
  }

  /**
   * A split-brain file without a policy: each candidate copy recovered as NAME.gfsck-brickN,
   * none under the name itself, so the admin compares them and picks.
   */
  private async sideBySide(path: Buffer, piece: Extract<PiecePlan, { ok: 'sides' }>, meta: Metadata, report: EntryReport): Promise<boolean> {
    const written: string[] = [];
    for (const side of piece.sides) {
      const sidePath = Buffer.concat([path, Buffer.from(`.gfsck-brick${side.brick}`)]);
      const handle = await this.output.createFile(sidePath);
      let done = false;
      try {
        const writer = new SparseWriter(handle);
        await streamCopy(side, side.size, writer, 0, this.stream);
        await writer.finish(side.size);
        await this.output.finishFile(sidePath, handle, { ...(await ownerAndTimes(meta)), mode: side.mode, uid: side.uid, gid: side.gid }, this.opts.xattrs);
        done = true;
        written.push(escapeName(sidePath));
      } finally {
        await handle.close();
        if (!done) await this.output.discard(sidePath, false);
      }
    }
    this.emit({
      ...report, status: 'partial', sources: piece.sides.map((c) => c.brick), excluded: piece.excluded,
      reason: `${piece.reason}: each copy recovered beside the name, as ${written.join(', ')}; rerun with --policy to keep one`,
    });
    return true;
  }

  /** The inode's copies in its set: by gfid (all its names and handles), plus the names seen. */
  private async inodeCopies(gfid: string | null, set: number, named: BrickCopy[]): Promise<BrickCopy[]> {
    const byBrick = new Map<number, BrickCopy>();
    for (const c of named) byBrick.set(c.brick, c);
    if (gfid) for (const c of await this.source.copiesOfGfid(gfid, set)) if (!byBrick.has(c.brick) && !isLinktoCopy(c)) byBrick.set(c.brick, c);
    return [...byBrick.values()];
  }

  /** How to read one piece of content (a whole file, a sharded file's base, or one shard). */
  private planPiece(copies: BrickCopy[]): PiecePlan {
    if (isDisperse(this.shape)) {
      const choice = chooseFragments(copies, this.shape, this.opts.trustFragments);
      if (!choice.ok) return choice;
      const plan = choice.plan;
      return {
        ok: true,
        length: plan.size,
        summary: { sources: plan.sources.map((c) => c.brick), excluded: plan.excluded, stale: plan.stale, notes: plan.notes },
        stream: (writer, base) => streamEc(plan, this.shape, writer, base, this.stream),
      };
    }
    const choice = chooseReplica(copies, this.shape, this.opts.policy);
    if (choice.ok !== true) return choice;
    const plan = choice.plan;
    return {
      ok: true,
      length: plan.source.size,
      summary: { sources: [plan.source.brick], excluded: plan.excluded, stale: plan.stale, notes: plan.notes },
      stream: async (writer, base) => {
        await streamCopy(plan.source, plan.source.size, writer, base, this.stream);
        return null;
      },
    };
  }

  /** Shards 1… of a sharded file, each at index × block size; shards that do not exist are holes. */
  private async shards(gfid: string | null, shard: { blockSize: number; fileSize: number }, writer: SparseWriter, report: EntryReport): Promise<void> {
    if (!gfid) throw new EntryError('a sharded file without a gfid: its shards cannot be found');
    const count = Math.ceil(shard.fileSize / shard.blockSize);
    const holes: number[] = [];
    for (let index = 1; index < count; index++) {
      const copies = (await this.source.shardCopies(gfid, index)).filter((c) => !isLinktoCopy(c));
      if (copies.length === 0) {
        holes.push(index);
        continue;
      }
      const piece = this.planPiece(this.oneSet(copies));
      if (piece.ok !== true) {
        report.status = 'partial';
        report.reason = `shard ${index}: ${piece.reason}; left as a hole`;
        continue;
      }
      describeOutcome(await piece.stream(writer, index * shard.blockSize), report, `shard ${index}: `);
      report.notes.push(...piece.summary.notes.map((n) => `shard ${index}: ${n}`));
      if (piece.summary.stale) report.stale = true;
    }
    if (holes.length > 0) report.notes.push(`shards ${compactRanges(holes)} do not exist (never written, or lost): holes`);
  }

  /**
   * An entry below a directory that is not in the output. Below a skipped one (a stale name)
   * it is part of what was skipped, reported with it; below one that failed it is lost, and
   * counted as failed.
   */
  private belowUnplaced(path: Buffer, copy: BrickCopy): void {
    const parent = escapeName(parentPath(path));
    if (this.unplaced.get(parent) === 'skipped') {
      if (copy.type === 'dir') this.unplaced.set(escapeName(path), 'skipped');
      return;
    }
    this.emit({ path: escapeName(path), type: copy.type, gfid: gfidOf(copy), status: 'failed', reason: `its directory ${parent} could not be recovered`, notes: [] });
  }

  private emit(report: EntryReport): void {
    if (report.type === 'dir' && (report.status === 'failed' || report.status === 'skipped')) this.unplaced.set(report.path, report.status);
    this.counts[report.status]++;
    this.opts.onEntry(report);
    this.progress();
  }

  private progress(): void {
    this.opts.onProgress?.({ entries: this.counts.recovered + this.counts.partial + this.counts.failed + this.counts.skipped, bytes: this.bytes });
  }
}

type PiecePlan =
  | {
      ok: true;
      length: number;
      summary: { sources: number[]; excluded: Exclusion[]; stale: boolean; notes: string[] };
      stream(writer: SparseWriter, base: number): Promise<StreamOutcome | null>;
    }
  | { ok: 'sides'; sides: BrickCopy[]; reason: string; excluded: Exclusion[] }
  | { ok: false; reason: string; excluded: Exclusion[] };

/** Folds what the decoder found (rotten or disagreeing fragments) into the report. */
function describeOutcome(outcome: StreamOutcome | null, report: EntryReport, prefix = ''): void {
  if (!outcome) return;
  report.notes.push(...outcome.notes.map((n) => prefix + n));
  for (const [brick, rot] of outcome.rotten) {
    report.excluded = [...(report.excluded ?? []), {
      brick,
      reason: `${prefix}bitrot: its fragment disagrees with the others in ${rot.stripes} stripe(s) from fragment byte ${rot.firstOffset}; left out from there on`,
    }];
    report.sources = report.sources?.filter((b) => b !== brick);
  }
  if (outcome.undecidable.length > 0) {
    report.status = 'partial';
    report.reason = `${prefix}fragments disagree in stripes ${compactRanges(outcome.undecidable)} and there is not enough redundancy to tell which brick is wrong; ` +
      'those stripes were decoded from the lowest bricks and may be wrong';
  }
}

function compactRanges(values: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    out.push(i === j ? String(values[i]) : `${values[i]}-${values[j]}`);
    i = j + 1;
  }
  return out.length > 8 ? `${out.slice(0, 8).join(',')},… (${values.length} in all)` : out.join(',');
}

function shardLayout(copy: BrickCopy): { blockSize: number; fileSize: number } | null {
  const block = xattr(copy, 'trusted.glusterfs.shard.block-size');
  const size = xattr(copy, 'trusted.glusterfs.shard.file-size');
  if (block?.kind !== 'shard-block-size' || size?.kind !== 'shard-file-size') return null;
  if (block.blockSize <= 0n || size.size < 0n) throw new EntryError('shard xattrs hold an impossible block size or file size');
  return { blockSize: Number(block.blockSize), fileSize: Number(size.size) };
}

function timeOf(meta: Metadata): bigint {
  return meta.times ? meta.times.mtime.sec * 1_000_000_000n + meta.times.mtime.nsec : meta.copy.mtimeNs;
}

/** Mode, owner and times to apply; without mdata, the chosen brick copy's own times. */
async function ownerAndTimes(meta: Metadata): Promise<OwnerAndTimes> {
  const seconds = (sec: bigint, nsec: bigint) => Number(sec) + Number(nsec) / 1e9;
  let atime: number;
  let mtime: number;
  if (meta.times) {
    atime = seconds(meta.times.atime.sec, meta.times.atime.nsec);
    mtime = seconds(meta.times.mtime.sec, meta.times.mtime.nsec);
  } else {
    const st = await lstat(meta.copy.file, { bigint: true });
    atime = seconds(st.atimeNs / 1_000_000_000n, st.atimeNs % 1_000_000_000n);
    mtime = seconds(st.mtimeNs / 1_000_000_000n, st.mtimeNs % 1_000_000_000n);
  }
  return { mode: meta.mode, uid: meta.uid, gid: meta.gid, atime, mtime, userXattrs: meta.userXattrs };
}

function describeError(e: unknown): string {
  return e instanceof EntryError ? e.message : errorText(e);
}

