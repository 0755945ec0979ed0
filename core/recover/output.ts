/**
 * The output directory, written so that nothing lands outside it. Node has no openat(), so
 * every directory inside DIR is opened with O_DIRECTORY|O_NOFOLLOW and its children are
 * named through that descriptor's /proc/self/fd/N entry, which resolves to the opened
 * directory itself: a symlink planted in DIR (or a directory swapped for one) is never
 * followed, and a name can never climb out. Directories are created 0700 and get their real
 * mode at the end, so nobody else can plant anything in them meanwhile.
 */
import { constants, type Stats } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, open, readdir, realpath, rename, rmdir, symlink, unlink, type FileHandle } from 'node:fs/promises';
import { createServer } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { canonicalPath, isInside } from '../fs/canonical.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GfsckError } from '../errors.ts';
import { escapeName } from '../fs/names.ts';
import { setXattr } from '../fs/xattr.ts';
import { pathComponents } from './paths.ts';
import { parentPath } from '../fs/names.ts';

const run = promisify(execFile);

/** A problem with one entry of the output: reported for that entry, the run goes on. */
export class EntryError extends Error {}

export interface OwnerAndTimes {
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch, fractional. */
  atime: number;
  mtime: number;
  userXattrs: Array<[string, Buffer]>;
}

export type SpecialType = 'fifo' | 'socket' | 'chardev' | 'blockdev';

interface OpenDir {
  handle: FileHandle;
  users: number;
}

/** Directory descriptors kept open while idle; busy ones are never closed under a user. */
const IDLE_DIRS = 256;
const NEW_DIR_MODE = 0o700;
const NEW_FILE_MODE = 0o600;

export class OutputTree {
  private readonly dirs = new Map<string, OpenDir>();
  private tempCounter = 0;

  private constructor(
    readonly root: string,
    private readonly force: boolean,
    /** DIR did not exist before: a run refused before writing anything removes it again. */
    private readonly created: boolean,
  ) {}

  /**
   * Opens (or creates) DIR. It must not be inside a brick or hold one, and must be empty
   * unless `force`.
   */
  static async open(dir: string, force: boolean, brickRoots: string[]): Promise<OutputTree> {
    const wanted = resolvePath(dir);
    // Before anything is created: a refused DIR must not be left behind inside a brick.
    const planned = canonicalPath(wanted);
    for (const brick of brickRoots) {
      if (isInside(planned, brick) || isInside(brick, planned)) throw new GfsckError('usage', `--out ${dir} overlaps brick ${brick}: bricks are never written`);
    }
    let created = true;
    try {
      await mkdir(wanted);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new GfsckError('operational', `--out ${dir}: its parent directory does not exist`);
      if (code !== 'EEXIST') throw new GfsckError('operational', `--out ${dir}: ${code}`);
      created = false;
    }
    const real = await realpath(wanted);
    if (!(await lstat(real)).isDirectory()) throw new GfsckError('usage', `--out ${dir}: not a directory`);
    if (!force && (await readdir(real)).length > 0) {
      throw new GfsckError('usage', `--out ${dir} is not empty (use --force to recover into it anyway)`);
    }
    const tree = new OutputTree(real, force, created);
    tree.dirs.set('', { handle: await open(real, constants.O_RDONLY | constants.O_DIRECTORY), users: 1 });
    return tree;
  }

  /** A printable form of a volume path inside DIR. */
  describe(path: Buffer): string {
    return `${this.root}${escapeName(path)}`;
  }

  async mkdir(path: Buffer): Promise<void> {
    await this.inParent(path, async (at, name) => {
      try {
        await mkdir(at, NEW_DIR_MODE);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const existing = await lstat(at);
        if (existing.isDirectory()) return;
        await this.clearWay(at, existing, name);
        await mkdir(at, NEW_DIR_MODE);
      }
    });
  }

  /** A new empty regular file, open for writing. */
  async createFile(path: Buffer): Promise<FileHandle> {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    return this.inParent(path, (at, name) => this.create(at, name, () => open(at, flags, NEW_FILE_MODE)));
  }

  async symlink(path: Buffer, target: Buffer): Promise<void> {
    await this.inParent(path, (at, name) => this.create(at, name, () => symlink(target, at)));
  }

  /** Another name for an inode already recovered at `existing`. */
  async link(existing: Buffer, path: Buffer): Promise<void> {
    await this.inParent(existing, (from) => this.inParent(path, (at, name) => this.create(at, name, () => link(from, at))));
  }

  /**
   * FIFOs and devices through mknod(1), made under a plain temporary name and renamed, as
   * byte names cannot travel in argv. A socket node only comes from binding one: the server
   * binds the temporary name, the final name is hard-linked to it, and closing the server
   * removes the temporary name.
   */
  async special(path: Buffer, type: SpecialType, rdev: bigint): Promise<void> {
    await this.inParent(path, async (at, name, dirFd) => {
      const temp = `.gfsck-new-${process.pid}-${this.tempCounter++}`;
      const tempAt = `/proc/self/fd/${dirFd}/${temp}`;
      if (type === 'socket') {
        const server = createServer();
        await new Promise<void>((resolve, reject) => server.once('error', reject).listen(tempAt, resolve));
        try {
          await this.create(at, name, () => link(tempAt, at));
        } finally {
          await new Promise<void>((resolve) => server.close(() => resolve()));
        }
        return;
      }
      // Linux dev_t: major in bits 8-19 and 32-43, minor in bits 0-7 and 12-31.
      const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
      const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
      const args = type === 'fifo' ? [temp, 'p'] : [temp, type === 'chardev' ? 'c' : 'b', String(major), String(minor)];
      // The child's working directory is the opened directory itself (the /proc link of our descriptor).
      await run('mknod', ['-m', '600', ...args], { cwd: `/proc/${process.pid}/fd/${dirFd}` });
      try {
        await this.create(at, name, () => rename(tempAt, at), true);
      } catch (e) {
        await unlink(tempAt).catch(() => undefined);
        throw e;
      }
    });
  }

  /** Owner, mode, user xattrs and times of a symlink or special file, by name, never following it. */
  async finishLink(path: Buffer, meta: OwnerAndTimes, isSymlink: boolean, withXattrs: boolean): Promise<void> {
    await this.inParent(path, async (at) => {
      await lchown(at, meta.uid, meta.gid);
      // chmod follows symlinks, and a symlink's own mode means nothing on Linux.
      if (!isSymlink) await chmod(at, meta.mode);
      // Linux refuses user.* xattrs on symlinks.
      if (withXattrs && !isSymlink) for (const [key, value] of meta.userXattrs) setXattr(at, key, value);
      await lutimes(at, meta.atime, meta.mtime);
    });
  }

  /** Owner, mode, user xattrs, then times (last: the others change only ctime) of a file still open. */
  async finishFile(path: Buffer, handle: FileHandle, meta: OwnerAndTimes, withXattrs: boolean): Promise<void> {
    await this.finishInode(path, handle, meta, withXattrs);
  }

  /** The same for a directory: called last, deepest first, since filling a directory changes its times. */
  async finishDirectory(path: Buffer, meta: OwnerAndTimes, withXattrs: boolean): Promise<void> {
    await this.withDir(path, (handle) => this.finishInode(path, handle, meta, withXattrs));
  }

  private async finishInode(path: Buffer, handle: FileHandle, meta: OwnerAndTimes, withXattrs: boolean): Promise<void> {
    await handle.chown(meta.uid, meta.gid);
    // After chown, which clears set-id bits.
    await handle.chmod(meta.mode);
    // The binding is path-based and no-follow: name the inode through its parent directory.
    if (withXattrs && meta.userXattrs.length > 0) {
      await this.inParent(path, async (at) => {
        for (const [key, value] of meta.userXattrs) setXattr(at, key, value);
      });
    }
    await handle.utimes(meta.atime, meta.mtime);
  }

  /** Removes an entry this run created and could not finish (an empty directory or a partial file). */
  async discard(path: Buffer, isDirectory: boolean): Promise<void> {
    await this.inParent(path, (at) => (isDirectory ? rmdir(at) : unlink(at))).catch(() => undefined);
  }

  async close(): Promise<void> {
    for (const d of this.dirs.values()) await d.handle.close().catch(() => undefined);
    this.dirs.clear();
  }

  /** For a run refused before it wrote anything: closes, and removes DIR if this run made it (rmdir: only while empty). */
  async abandon(): Promise<void> {
    await this.close();
    if (this.created) await rmdir(this.root).catch(() => undefined);
  }

  /** Creates a non-directory; with --force a non-directory already at the name is replaced. */
  private async create<T>(at: Buffer, name: Buffer, make: () => Promise<T>, isRename = false): Promise<T> {
    try {
      // rename(2) silently replaces a non-directory: check first so --force decides.
      if (isRename) await this.refuseExisting(at, name);
      return await make();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      await this.clearWay(at, await lstat(at), name);
      return make();
    }
  }

  private async refuseExisting(at: Buffer, name: Buffer): Promise<void> {
    let existing: Stats;
    try {
      existing = await lstat(at);
    } catch {
      return;
    }
    await this.clearWay(at, existing, name);
  }

  private async clearWay(at: Buffer, existing: Stats, name: Buffer): Promise<void> {
    const what = existing.isSymbolicLink() ? 'a symlink' : existing.isDirectory() ? 'a directory' : 'another entry';
    if (!this.force || existing.isDirectory()) {
      throw new EntryError(`${escapeName(name)} already exists in the output as ${what}${this.force ? '' : ' (use --force to replace it)'}`);
    }
    await unlink(at);
  }

  /** Runs `fn` with the /proc path of `path`'s name inside its (safely opened) parent directory. */
  private inParent<T>(path: Buffer, fn: (at: Buffer, name: Buffer, dirFd: number) => Promise<T>): Promise<T> {
    const names = pathComponents(path);
    const name = names[names.length - 1];
    if (!name) throw new EntryError('the volume root is the output directory itself');
    return this.withDir(parentPath(path), (dir) => fn(Buffer.concat([Buffer.from(`/proc/self/fd/${dir.fd}/`), name]), name, dir.fd));
  }

  private async withDir<T>(path: Buffer, fn: (handle: FileHandle) => Promise<T>): Promise<T> {
    const dir = await this.acquire(path);
    try {
      return await fn(dir.handle);
    } finally {
      dir.users--;
      this.closeIdle();
    }
  }

  private async acquire(path: Buffer): Promise<OpenDir> {
    const names = pathComponents(path);
    const key = names.map((n) => n.toString('hex')).join('/');
    const known = this.dirs.get(key);
    if (known) {
      known.users++;
      // Most recently used last, for closeIdle.
      this.dirs.delete(key);
      this.dirs.set(key, known);
      return known;
    }
    const handle = await this.withDir(parentPath(path), async (parent) => {
      const at = Buffer.concat([Buffer.from(`/proc/self/fd/${parent.fd}/`), names[names.length - 1]!]);
      try {
        return await open(at, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ELOOP' && code !== 'ENOTDIR') throw e;
        // O_DIRECTORY|O_NOFOLLOW refuses a symlink with either code.
        const symlink = (await lstat(at)).isSymbolicLink();
        throw new EntryError(`${this.describe(path)} is ${symlink ? 'a symlink in the output: not followed' : 'not a directory in the output'}`);
      }
    });
    const raced = this.dirs.get(key);
    if (raced) {
      await handle.close();
      raced.users++;
      return raced;
    }
    const dir = { handle, users: 1 };
    this.dirs.set(key, dir);
    return dir;
  }

  private closeIdle(): void {
    if (this.dirs.size <= IDLE_DIRS) return;
    for (const [key, dir] of this.dirs) {
      if (this.dirs.size <= IDLE_DIRS) break;
      if (dir.users > 0 || key === '') continue;
      this.dirs.delete(key);
      void dir.handle.close();
    }
  }
}

