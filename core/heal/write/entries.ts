/**
 * Entry and metadata heal on one brick, every change journaled (core/repair/journal.ts):
 * names made with their .glusterfs handles as GlusterFS makes them (brick-layout.md §2),
 * attributes and xattrs brought to what the source holds, index entries removed.
 */
import { lstatSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { baseName, joinPath } from '../../fs/names.ts';
import { getXattr, listXattrs } from '../../fs/xattr.ts';
import { dirHandleTarget, gfidToBytes, handleRelPath } from '../../gfid-tree/gfid.ts';
import type { EntryType } from '../../brick/entry.ts';
import type { RepairSession } from '../../repair/session.ts';
import { brickFile } from '../../index/copies.ts';

export interface EntrySpec {
  /** Brick root (absolute). */
  root: string;
  /** Volume path, e.g. '/dir/name'. */
  path: Buffer;
  parentGfid: string;
  gfid: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  /** Symlink target. */
  target?: Buffer;
  /** Device numbers of a character or block device. */
  rdev?: { major: number; minor: number };
  /** The complete set of xattrs to give it. */
  xattrs: ReadonlyMap<string, Buffer>;
}

/** Handle bucket directories: mode 0700, as the bricks have them. */
const BUCKET_MODE = 0o700;

const S_IFMT: Partial<Record<EntryType, number>> = { fifo: 0o010000, socket: 0o140000, chardev: 0o020000, blockdev: 0o060000 };

function lstatOrNull(path: Buffer) {
  try {
    return lstatSync(path, { bigint: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Creates the name with its handle. A non-directory whose handle is already on this brick
 * (the inode lives on under another name: a rename) becomes a new link to it, and only the
 * new name's gfid2path is added: 'linked'. Refuses a name that exists (callers move it aside first).
 */
export function createEntry(session: RepairSession, e: EntrySpec, step: string): 'created' | 'linked' {
  const journal = session.journal;
  const abs = brickFile(Buffer.from(e.root), e.path);
  if (journal.present(abs)) throw new Error(`${abs.toString('latin1')} already exists`);
  const handle = Buffer.from(join(e.root, handleRelPath(e.gfid)));
  journal.settled(handle); // another name of the inode, made in the same batch, is linked after it
  const existing = lstatOrNull(handle);
  // A handle is the inode only if the inode says so: one carrying another gfid (a broken
  // handle) is moved aside below, and the name gets an inode of its own.
  const isTheInode = existing !== null && !existing.isDirectory() && !(existing.isSymbolicLink() && e.type !== 'symlink') &&
    getXattr(handle, 'trusted.gfid')?.equals(gfidToBytes(e.gfid)) === true;
  if (e.type !== 'dir' && isTheInode) {
    journal.link(handle, abs, step);
    // The inode's names are now the source's: its gfid2path keys follow (the old name's goes).
    // Through the handle, the same inode: the new name may only be made with the batch.
    const isG2p = (name: string) => name.startsWith('trusted.gfid2path.');
    syncXattrs(session, handle, new Map([...e.xattrs].filter(([name]) => isG2p(name))), (name) => !isG2p(name), step);
    return 'linked';
  }
  switch (e.type) {
    case 'dir': journal.mkdir(abs, e.mode & 0o7777, step); break;
    case 'file': journal.createFile(abs, 0o600, step); break;
    case 'symlink': journal.symlink(e.target ?? Buffer.alloc(0), abs, step); break;
    default: journal.mknod(abs, S_IFMT[e.type]! | (e.mode & 0o7777), e.rdev ?? { major: 0, minor: 0 }, step);
  }
  journal.setattr(abs, { mode: e.mode & 0o7777, uid: e.uid, gid: e.gid }, step);
  journal.setXattrs([...e.xattrs].map(([name, value]) => ({ path: abs, name, value })), step);
  session.ensureDir(Buffer.from(dirname(handle.toString('latin1')), 'latin1'), BUCKET_MODE, step);
  if (e.type === 'dir') {
    if (existing) session.moveAside(e.root, Buffer.from(handleRelPath(e.gfid)), step); // a handle left by the old name
    journal.symlink(dirHandleTarget(e.parentGfid, baseName(e.path)), handle, step);
  } else {
    if (existing) session.moveAside(e.root, Buffer.from(handleRelPath(e.gfid)), step);
    journal.link(abs, handle, step);
  }
  return 'created';
}

/** Sets the xattrs of `want` that differ and removes the others, except those `keep` spares. */
export function syncXattrs(session: RepairSession, file: Buffer, want: ReadonlyMap<string, Buffer>, keep: (name: string) => boolean, step: string): number {
  let changes = 0;
  for (const [name] of listXattrs(file)) {
    if (!want.has(name) && !keep(name)) {
      session.journal.removeXattr(file, name, step);
      changes++;
    }
  }
  const have = new Map(listXattrs(file));
  const writes = [...want].filter(([name, value]) => !have.get(name)?.equals(value)).map(([name, value]) => ({ path: file, name, value }));
  session.journal.setXattrs(writes, step);
  return changes + writes.length;
}

export function syncAttrs(session: RepairSession, file: Buffer, want: { mode?: number; uid?: number; gid?: number }, step: string): void {
  session.journal.setattr(file, want, step);
}

export interface IndexEntry { kind: 'xattrop' | 'dirty' | 'entry-changes'; gfid: string; name?: Buffer }

/**
 * Removes index entries (hard links to the index's base file, GlusterFS's own, no data):
 * each unlink is journaled with the base file that keeps the inode, so undo relinks it.
 */
export function removeIndexEntries(session: RepairSession, root: string, entries: IndexEntry[], step: string): number {
  let removed = 0;
  for (const e of entries) {
    const dir = Buffer.from(join(root, '.glusterfs', 'indices', e.kind));
    const rel = e.kind === 'entry-changes' ? joinPath(Buffer.from(e.gfid), e.name!) : Buffer.from(e.gfid);
    const path = joinPath(dir, rel);
    if (!lstatOrNull(path)) continue;
    session.journal.unlinkLink(path, step);
    removed++;
  }
  return removed;
}
