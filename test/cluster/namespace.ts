/**
 * The namespace as a GlusterFS client sees it (what truth.json's `entries` record), and the
 * comparison used by the read-back proofs.
 */
import { join } from 'node:path';
import { getXattr, listXattrs } from '../../core/fs/xattr.ts';
import { hashTree } from './hash-tree.ts';
import type { TruthEntry } from './truth.ts';

/** Virtual xattr answered by the GlusterFS client with the entry's gfid as text. */
const GFID_STRING_XATTR = 'glusterfs.gfid.string';

export function gfidOnMount(mountpoint: string, path: string): string {
  const value = getXattr(join(mountpoint, path), GFID_STRING_XATTR);
  if (!value) throw new Error(`no ${GFID_STRING_XATTR} on ${path}`);
  return value.toString('latin1');
}

/** Walks a mounted volume: hashTree plus each entry's gfid and `user.*` xattrs. */
export async function readNamespace(mountpoint: string): Promise<TruthEntry[]> {
  const tree = await hashTree(mountpoint);
  return tree.map((e) => {
    const entry: TruthEntry = { path: e.path, type: e.type, size: e.size, mode: e.mode, gfid: gfidOnMount(mountpoint, e.path) };
    if (e.sha256 !== undefined) entry.sha256 = e.sha256;
    if (e.target !== undefined) entry.target = e.target;
    if (e.linkGroup !== undefined) entry.linkGroup = e.linkGroup;
    const user = listXattrs(join(mountpoint, e.path)).filter(([name]) => name.startsWith('user.'));
    if (user.length > 0) entry.xattrs = Object.fromEntries(user.sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, v]) => [n, v.toString('hex')]));
    return entry;
  });
}

const COMPARED_FIELDS = ['type', 'size', 'sha256', 'target', 'mode', 'gfid', 'linkGroup', 'xattrs'] as const;

/** Every difference between two namespaces, one line each; empty when they are equal. */
export function diffNamespaces(expected: TruthEntry[], actual: TruthEntry[]): string[] {
  const diffs: string[] = [];
  const actualByPath = new Map(actual.map((e) => [e.path, e]));
  const expectedPaths = new Set(expected.map((e) => e.path));
  for (const want of expected) {
    const got = actualByPath.get(want.path);
    if (!got) {
      diffs.push(`missing ${JSON.stringify(want.path)}`);
      continue;
    }
    for (const field of COMPARED_FIELDS) {
      const w = JSON.stringify(want[field]);
      const g = JSON.stringify(got[field]);
      if (w !== g) diffs.push(`${JSON.stringify(want.path)} ${field}: expected ${w}, got ${g}`);
    }
  }
  for (const got of actual) if (!expectedPaths.has(got.path)) diffs.push(`unexpected ${JSON.stringify(got.path)}`);
  return diffs;
}
