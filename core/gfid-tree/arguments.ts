/**
 * `BRICK... ID...` command lines (gfsck gfid, gfsck xattrs): the leading arguments that are
 * brick directories are the bricks; the first that is not one starts the IDs.
 */
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { validateBricks } from '../inspect/inspect.ts';
import { GfsckError } from '../errors.ts';
import { escapeName, unescapeName } from '../fs/names.ts';
import { parseQuery, relativePathQuery, type Query } from './query.ts';
import { isGfidText } from './gfid.ts';

/** A brick is a host directory that passes the same test as everywhere else; gfid forms never are. */
function isBrickDir(arg: string): boolean {
  const query = parseQuery(Buffer.from(arg));
  if (arg === '-' || (query !== null && query.kind !== 'path')) return false;
  try {
    validateBricks([arg]);
    return true;
  } catch {
    return false;
  }
}

export function splitBricksAndIds(args: string[]): { bricks: string[]; ids: string[] } {
  let n = 0;
  while (n < args.length && isBrickDir(args[n]!)) n++;
  return { bricks: args.slice(0, n), ids: args.slice(n) };
}

/** Bricks come first: with none found, the first argument says why it is not one (operational, as inspect does). */
export function explainMissingBricks(args: string[]): void {
  if (args.length > 1) validateBricks([args[0]!]);
}

/**
 * Node decodes argv as UTF-8 and turns each byte that is not into U+FFFD, so such a name
 * cannot arrive intact: only its \xNN escape can say it.
 */
function argumentBytes(arg: string): Buffer {
  if (arg.includes('\ufffd')) {
    throw new GfsckError('usage', `${escapeName(arg)}: not UTF-8 as given: such bytes reach gfsck as U+FFFD (\\xef\\xbf\\xbd), lost; write each as \\xNN, as gfsck prints it`);
  }
  return unescapeName(arg);
}

/**
 * An ID as typed: a gfid form or a volume path (the leading / may be left out, as heal info
 * users type it), names with the \xNN escapes gfsck prints. A relative ID naming a local
 * directory that is not a brick is refused: it may be a brick that failed the brick test.
 */
export function idQuery(arg: string): Query {
  const bytes = argumentBytes(arg);
  const query = parseQuery(bytes);
  if (query) return query;
  if (arg.startsWith('<gfid:')) throw new GfsckError('usage', `${escapeName(arg)}: not a gfid (heal info's form is <gfid:UUID> or <gfid:UUID>/name)`);
  if (statSync(arg, { throwIfNoEntry: false })?.isDirectory()) {
    throw new GfsckError('usage', `${escapeName(arg)}: a local directory but not a brick (no .glusterfs or trusted.glusterfs.volume-id); for the volume path write /${escapeName(arg)}`);
  }
  return relativePathQuery(bytes);
}

const HANDLE = /^\.glusterfs\/([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f-]{36})$/;

/**
 * A path on one of the bricks (`/data/b1/dir/f`) as the volume path it stands for (`/dir/f`),
 * a handle (`/data/b1/.glusterfs/xx/yy/GFID`) as its gfid; null when it is on none of
 * `roots` (validated brick roots). The leaf may be a symlink: only its folder is resolved.
 */
export function brickPathQuery(arg: string, roots: string[]): Query | null {
  const typed = resolve(arg);
  let real = typed;
  try {
    real = join(realpathSync(dirname(typed)), basename(typed));
  } catch {
    // Its folder is not there: compared as typed.
  }
  for (const root of roots) {
    const at = [typed, real].find((p) => p.startsWith(`${root}/`));
    if (at === undefined) continue;
    const relative = at.slice(root.length + 1);
    if (relative === '.glusterfs' || relative.startsWith('.glusterfs/')) {
      const handle = HANDLE.exec(relative);
      if (!handle || !isGfidText(handle[3]!) || handle[3]!.slice(0, 4) !== handle[1]! + handle[2]!) {
        throw new GfsckError('usage', `${arg}: in .glusterfs only a handle (.glusterfs/xx/yy/GFID) names an entry`);
      }
      return { kind: 'gfid', text: arg, gfid: handle[3]! };
    }
    return { kind: 'path', text: arg, path: Buffer.concat([Buffer.from('/'), unescapeName(relative)]) };
  }
  return null;
}
