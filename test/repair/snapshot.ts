/**
 * A brick's complete state, for "undo restores every byte" proofs: every object below the
 * root (.glusterfs included) with its type, permissions, owner, link count, inode number,
 * content hash, a file's allocated blocks (so holes count), symlink target and every
 * xattr. Times are left out: undo cannot restore ctimes, and GlusterFS does not read them
 * from handles.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { listXattrs } from '../../core/fs/xattr.ts';
import { joinPath } from '../../core/fs/names.ts';

export type Snapshot = Record<string, string>;

export function snapshotTree(root: string): Snapshot {
  const out: Snapshot = {};
  const walk = (abs: Buffer, rel: string): void => {
    const st = lstatSync(abs, { bigint: true });
    const xattrs = listXattrs(abs).map(([n, v]) => `${n}=${v.toString('hex')}`).sort().join(' ');
    let body = '';
    if (st.isFile()) body = `blocks=${st.blocks} ${createHash('sha256').update(readFileSync(abs)).digest('hex')}`;
    else if (st.isSymbolicLink()) body = readlinkSync(abs, { encoding: 'buffer' }).toString('hex');
    out[rel] = `mode=${st.mode.toString(8)} uid=${st.uid} gid=${st.gid} nlink=${st.nlink} ino=${st.ino} size=${st.size} ${body} ${xattrs}`;
    if (st.isDirectory()) {
      for (const name of readdirSync(abs, { encoding: 'buffer' })) walk(joinPath(abs, name), `${rel}/${name.toString('hex')}`);
    }
  };
  walk(Buffer.from(root), '');
  return out;
}

/** Lines that differ between two snapshots, for readable assertion failures. */
export function snapshotDiff(before: Snapshot, after: Snapshot): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const name = (k: string) => k.split('/').map((h) => Buffer.from(h, 'hex').toString()).join('/');
  return keys.filter((k) => before[k] !== after[k]).map((k) => `${name(k)}: ${before[k] ?? '(absent)'} -> ${after[k] ?? '(absent)'}`);
}
