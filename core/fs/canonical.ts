/** Host paths compared as the kernel sees them: through symlinks, before they exist. */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

/** realpath of the deepest existing ancestor, with the rest appended: a path not created yet still compares right. */
export function canonicalPath(path: string): string {
  const abs = resolve(path);
  if (existsSync(abs)) return realpathSync(abs);
  const parent = dirname(abs);
  return parent === abs ? abs : join(canonicalPath(parent), abs.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
}

/** Whether `path` is `dir` or below it (both canonical). */
export function isInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}
