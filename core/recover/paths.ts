/**
 * Volume paths as the engine handles them: '/' or '/a/b', bytes. Every name that reaches the
 * output directory passes `checkedName`, wherever it came from (readdir, a catalog file,
 * gfid2path, a handle target, the command line).
 */
import { childPath, parentPath, SLASH } from '../fs/names.ts';

/** True for a name that stays inside its directory: not empty, '.', '..', and no '/' or NUL. */
export function checkedName(name: Buffer): boolean {
  if (name.length === 0 || name.includes(SLASH) || name.includes(0)) return false;
  return !(name.length <= 2 && name.every((b) => b === 0x2e));
}

/** The names of a volume path, root first; throws on an unsafe component. */
export function pathComponents(path: Buffer): Buffer[] {
  if (path[0] !== SLASH) throw new Error(`not an absolute volume path: ${path.toString('latin1')}`);
  const names: Buffer[] = [];
  let start = 1;
  for (let i = 1; i <= path.length; i++) {
    if (i < path.length && path[i] !== SLASH) continue;
    if (i > start) {
      const name = path.subarray(start, i);
      if (!checkedName(name)) throw new Error(`unsafe path component "${name.toString('latin1')}"`);
      names.push(name);
    }
    start = i + 1;
  }
  return names;
}

/** Canonical form of a path typed by a user: one leading '/', no empty, '.' or '..' parts. */
export function normalizeVolumePath(path: Buffer): Buffer {
  return pathComponents(path[0] === SLASH ? path : Buffer.concat([Buffer.from('/'), path])).reduce((dir, name) => childPath(dir, name), Buffer.from('/'));
}

/** '/a/b/c' → ['/', '/a', '/a/b']. */
export function ancestorPaths(path: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let p = path; p.length > 1; ) {
    p = parentPath(p);
    out.unshift(p);
  }
  return out;
}
