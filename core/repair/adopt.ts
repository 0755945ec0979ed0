/**
 * The adopt folder (`--adopt DIR`): a lost+found outside the bricks for orphans, handles
 * whose last name is gone. Each orphan is saved as `DIR/<brick>/<gfid>` — a hard link when
 * DIR is on the brick's filesystem (no data copied), else a copy that keeps holes — and
 * described in `DIR/manifest.json`; only then is its handle moved into the brick's
 * quarantine. Everything is journaled: undo removes the saved copies and manifest records
 * and puts the handles back.
 */
import { closeSync, fstatSync, ftruncateSync, lstatSync, openSync, readFileSync, readlinkSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { listXattrs } from '../fs/xattr.ts';
import { joinPath } from '../fs/names.ts';
import type { EntryType } from '../brick/entry.ts';
import { GfsckError } from '../errors.ts';
import type { RepairSession } from './session.ts';

export interface LastName {
  parentGfid: string;
  /** Escaped like every name gfsck prints (\xNN for non-UTF-8 bytes). */
  name: string;
  /** The volume path, when the parent directory is known on the brick. */
  path: string | null;
}

export interface Orphan {
  brick: string;
  gfid: string;
  /** `.glusterfs/xx/yy/<gfid>`, relative to the brick. */
  handle: Buffer;
  type: EntryType;
  size: number;
  /** What gfid2path remembers of its names. */
  lastNames: LastName[];
}

export interface AdoptRecord {
  gfid: string;
  type: EntryType;
  /** st_size on the brick: for a disperse volume, the fragment's length. */
  size: number;
  brick: string;
  /** Where it was on the brick, relative to the brick root. */
  handle: string;
  /** The saved copy, relative to the adopt folder; null when the type cannot be copied across filesystems. */
  saved: string | null;
  method: 'hardlink' | 'copy' | 'symlink' | 'none';
  lastNames: LastName[];
  /** Where the handle itself went (the brick's quarantine). */
  quarantined: string;
  /** Every xattr of the inode, hex: an EC fragment needs trusted.ec.* to be decoded later. */
  xattrs: Record<string, string>;
  adoptedAt: string;
  journal: string;
}

export const MANIFEST = 'manifest.json';
const COPY_CHUNK = 1 << 20;
/** Granularity of holes in a copy: the common filesystem block size. */
const HOLE_BLOCK = 4096;

/** One folder per brick: its root path as a single name (`/data/b0` -> `data_b0`). */
export const brickFolderName = (brick: string): string => brick.replace(/^\/+/, '').replace(/\//g, '_') || 'root';

/** Copies file data, leaving holes where the source reads as zeros (like cp --sparse=always). */
function copySparse(from: Buffer, toFd: number): void {
  const src = openSync(from, 'r');
  try {
    const size = fstatSync(src).size;
    const chunk = Buffer.alloc(COPY_CHUNK);
    for (let offset = 0; offset < size;) {
      const n = readSync(src, chunk, 0, COPY_CHUNK, offset);
      if (n === 0) break;
      writeNonZeroBlocks(toFd, chunk.subarray(0, n), offset);
      offset += n;
    }
    ftruncateSync(toFd, size);
  } finally {
    closeSync(src);
  }
}

/** Writes each run of blocks that hold a non-zero byte; all-zero blocks stay holes. */
function writeNonZeroBlocks(fd: number, data: Buffer, offset: number): void {
  let runStart = -1;
  for (let at = 0; at <= data.length; at += HOLE_BLOCK) {
    const block = data.subarray(at, at + HOLE_BLOCK);
    const zero = block.length === 0 || block.every((b) => b === 0);
    if (!zero && runStart < 0) runStart = at;
    if (zero && runStart >= 0) {
      writeSync(fd, data, runStart, at - runStart, offset + runStart);
      runStart = -1;
    }
  }
  if (runStart >= 0) writeSync(fd, data, runStart, data.length - runStart, offset + runStart);
}

/** The records already in DIR/manifest.json; an unreadable manifest is refused, never replaced. */
function readManifest(dir: string): AdoptRecord[] {
  const file = join(dir, MANIFEST);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  try {
    const records = JSON.parse(text) as unknown;
    if (Array.isArray(records)) return records as AdoptRecord[];
  } catch {
    // reported below
  }
  throw new GfsckError('operational', `${file} is not a gfsck adopt manifest: move it away or repair it first (it lists earlier adoptions)`);
}

export class AdoptFolder {
  private readonly records: AdoptRecord[] = [];

  /** Checks the folder's manifest up front, so a bad one stops the repair before any change. */
  constructor(readonly dir: string) {
    readManifest(dir);
  }

  /** Saves one orphan and moves its handle aside; returns its manifest record. */
  adopt(session: RepairSession, orphan: Orphan, step: string): AdoptRecord {
    const source = joinPath(Buffer.from(orphan.brick), orphan.handle);
    const folder = join(this.dir, brickFolderName(orphan.brick));
    session.ensureDir(Buffer.from(folder), 0o700, step);
    const dest = join(folder, orphan.gfid);
    const st = lstatSync(source);
    let method: AdoptRecord['method'];
    if (st.dev === lstatSync(folder).dev) {
      session.journal.link(source, dest, step);
      method = 'hardlink';
    } else if (st.isFile()) {
      session.journal.createFile(dest, st.mode & 0o7777, step, (fd) => copySparse(source, fd));
      method = 'copy';
    } else if (st.isSymbolicLink()) {
      session.journal.symlink(readlinkSync(source, { encoding: 'buffer' }), dest, step);
      method = 'symlink';
    } else {
      method = 'none'; // a fifo, socket or device holds no data; the manifest and the quarantine keep it
    }
    const xattrs = Object.fromEntries(listXattrs(source).map(([name, value]) => [name, value.toString('hex')]));
    const quarantined = session.moveAside(orphan.brick, orphan.handle, step);
    const record: AdoptRecord = {
      gfid: orphan.gfid, type: orphan.type, size: orphan.size, brick: orphan.brick, handle: orphan.handle.toString(),
      saved: method === 'none' ? null : join(brickFolderName(orphan.brick), orphan.gfid), method, lastNames: orphan.lastNames,
      quarantined: quarantined.toString(), xattrs, adoptedAt: new Date().toISOString(), journal: session.journal.file,
    };
    this.records.push(record);
    return record;
  }

  /** Merges the records of this run into manifest.json (a record per brick and gfid; the newest wins). */
  writeManifest(session: RepairSession): void {
    if (this.records.length === 0) return;
    const existing = readManifest(this.dir);
    const key = (r: AdoptRecord) => `${r.brick}\0${r.gfid}`;
    const merged = new Map(existing.map((r) => [key(r), r]));
    for (const r of this.records) merged.set(key(r), r);
    session.journal.writeFile(join(this.dir, MANIFEST), Buffer.from(`${JSON.stringify([...merged.values()], null, 2)}\n`), 'write the adopt manifest');
    this.records.length = 0;
  }
}
