/**
 * `BRICK... ID...` command lines (gfsck gfid, gfsck xattrs): the leading arguments that are
 * brick directories are the bricks; the first that is not one starts the IDs.
 */
import { validateBricks } from '../inspect/inspect.ts';
import { GfsckError } from '../errors.ts';
import { unescapeName } from '../fs/names.ts';
import { parseQuery, type Query } from './query.ts';

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

/** An ID as typed: a gfid form or a volume path, names with the \xNN escapes gfsck prints. */
export function idQuery(arg: string): Query {
  const query = parseQuery(unescapeName(arg));
  if (!query) throw new GfsckError('usage', `${arg}: neither a brick directory, a gfid nor a volume path (bricks come first, then IDs)`);
  return query;
}
