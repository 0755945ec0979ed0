/**
 * hashTree: every name under a directory with its type, size, content hash, symlink target,
 * mode and hard-link group, so that two trees (a mount and a fixture's truth, or a brick
 * before and after an archive round trip) can be compared exactly.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { TruthEntry } from './truth.ts';
import { entryType } from '../../core/brick/entry.ts';

/** An entry as a client-independent walk sees it: the truth's fields, less the gfid, plus allocation. */
export type TreeEntry = Omit<TruthEntry, 'gfid' | 'xattrs'> & {
  /** Allocated bytes (st_blocks × 512), to tell holes from data. */
  allocated: number;
  /** `dev:ino`, only meaningful within one walk. */
  inode: string;
};

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Walks `dir` without following symlinks; entries sorted by path. `dir` itself is not listed. */
export async function hashTree(dir: string): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    const names = (await readdir(abs)).sort();
    for (const name of names) {
      const absChild = join(abs, name);
      const path = `${rel}/${name}`;
      // bigint: GlusterFS FUSE inode numbers are 64-bit gfid-derived values beyond 2^53.
      const st = await lstat(absChild, { bigint: true });
      const type = entryType(Number(st.mode));
      const entry: TreeEntry = {
        path,
        type,
        size: type === 'file' ? Number(st.size) : 0,
        mode: Number(st.mode & 0o7777n),
        allocated: Number(st.blocks) * 512,
        inode: `${st.dev}:${st.ino}`,
      };
      if (type === 'file') entry.sha256 = await sha256File(absChild);
      if (type === 'symlink') entry.target = await readlink(absChild);
      entries.push(entry);
      if (type === 'dir') await walk(absChild, path);
    }
  };
  await walk(dir, '');
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  assignLinkGroups(entries);
  return entries;
}

function assignLinkGroups(entries: TreeEntry[]): void {
  const byInode = new Map<string, TreeEntry[]>();
  for (const e of entries) {
    if (e.type === 'dir') continue;
    const group = byInode.get(e.inode) ?? [];
    group.push(e);
    byInode.set(e.inode, group);
  }
  for (const group of byInode.values()) {
    if (group.length < 2) continue;
    // entries are sorted, so the first member has the smallest path
    for (const e of group) e.linkGroup = group[0]!.path;
  }
}
