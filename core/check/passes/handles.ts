/**
 * Pass 3: the .glusterfs handle tree (brick-layout.md §2.4 invariants, §2.6 breakages),
 * checked from both sides: every named entry has the right handle, and every handle
 * belongs to a named entry.
 */
import { ROOT_GFID, dirHandleTarget, handleBucket, handleRelPath, isGfidText, parseDirHandleTarget } from '../../gfid-tree/gfid.ts';
import { escapeName } from '../../fs/names.ts';
import type { BrickRow } from '../../index/catalog.ts';
import type { CheckContext } from '../context.ts';
import { entriesWithHandle, nameCount, type EntryWithHandle } from '../rows.ts';
import { parseXattrJson } from '../../index/xattr-column.ts';
import { handleBucketSql } from '../../index/schema.ts';
import type { ProblemCode } from '../problems.ts';

interface HandleRow {
  id: number;
  bucket: string;
  name: Buffer;
  type: string;
  nlink: number;
  inode: number;
  size: number;
  target: Buffer | null;
  gfid: string | null;
  xattrs: string | null;
}

const HANDLE_COLUMNS = `rowid AS id, bucket, name, type, nlink, inode, size, target, gfid, xattrs`;

export function checkHandles(ctx: CheckContext): void {
  for (const brick of ctx.bricks) {
    checkNamedEntries(ctx, brick);
    checkHandleTree(ctx, brick);
    checkDuplicateGfids(ctx, brick);
  }
}

function handleLabel(h: { bucket: string; name: Buffer }): string {
  return `.glusterfs/${h.bucket}/${escapeName(h.name)}`;
}

/**
 * Entries whose handle is not what it should be, as SQL (a superset; handleProblem decides):
 * no handle, a directory, or for a directory a target other than its parent's handle path
 * and its name, for anything else another type or inode.
 */
const HANDLE_MAY_BE_WRONG = `h.type IS NULL OR h.type = 'dir'
  OR (e.type = 'dir' AND (h.type != 'symlink' OR e.parent_gfid IS NULL
      OR h.target != CAST('../../' || ${handleBucketSql('e.parent_gfid')} || '/' || e.parent_gfid || '/' || e.name AS BLOB)))
  OR (e.type != 'dir' AND (h.type != e.type OR h.inode != e.inode))`;

/** Every entry with a gfid must have its handle, of the right kind. */
function checkNamedEntries(ctx: CheckContext, brick: BrickRow): void {
  const columns = 'e.id, e.path, e.parent_gfid, e.name, e.type, e.inode, e.nlink, e.gfid';
  const sql = `${entriesWithHandle(columns)} AND e.gfid IS NOT NULL AND e.path != x'2f' AND (${HANDLE_MAY_BE_WRONG})
    ORDER BY e.id LIMIT @limit`;
  const firstName = ctx.db.prepare(`SELECT MIN(path) FROM entries WHERE brick_id = ? AND inode = ?`).pluck();
  for (const e of ctx.pages<EntryWithHandle>(sql, { brick: brick.id })) {
    const problem = handleProblem(e);
    if (!problem) continue;
    // Hard links share one handle: a broken one is reported once, under the first of its names.
    if (e.type !== 'dir' && nameCount(e) > 1 && !e.path.equals(firstName.get(brick.id, e.inode) as Buffer)) continue;
    ctx.report(problem.code, { brick, path: e.path, gfid: e.gfid, vars: { handle: handleRelPath(e.gfid!), ...problem.vars } });
  }
}

/** What is wrong with the handle of a named entry, if anything. */
function handleProblem(e: EntryWithHandle): { code: ProblemCode; vars?: Record<string, string> } | null {
  if (e.h_type === null) return { code: 'HANDLE_MISSING' };
  if (e.h_type === 'dir') return { code: 'HANDLE_IS_DIRECTORY' };
  if (e.type === 'dir') return dirHandleProblem(e);
  if (e.h_type !== e.type) return { code: 'HANDLE_WRONG_TYPE', vars: { found: e.h_type, expected: `hard link (${e.type})` } };
  if (e.h_inode !== e.inode) return { code: 'HANDLE_WRONG_INODE' };
  return null;
}

function dirHandleProblem(e: EntryWithHandle): { code: ProblemCode; vars?: Record<string, string> } | null {
  if (e.h_type !== 'symlink') return { code: 'HANDLE_WRONG_TYPE', vars: { found: e.h_type!, expected: 'symlink' } };
  const target = e.h_target!;
  const parsed = parseDirHandleTarget(target);
  if (parsed === null || parsed === 'root') return { code: 'DIR_HANDLE_MALFORMED', vars: { target: escapeName(target) } };
  if (e.parent_gfid && !target.equals(dirHandleTarget(e.parent_gfid, e.name))) {
    return { code: 'DIR_HANDLE_DANGLING', vars: { target: escapeName(target) } };
  }
  return null;
}

/**
 * Handles that may be wrong, as SQL (a superset; the loop below decides): a name that is not
 * a gfid in its own bucket, a directory or directory-like handle no entry names by gfid, or
 * a non-directory whose inode no entry holds under that gfid.
 */
const HANDLE_TREE_MAY_BE_WRONG = `length(name) != 36
  OR bucket != ${handleBucketSql('CAST(name AS TEXT)')}
  OR ((type = 'dir' OR (type = 'symlink' AND gfid IS NULL))
      AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.brick_id = handles.brick_id AND e.gfid = CAST(handles.name AS TEXT)))
  OR (type != 'dir' AND NOT (type = 'symlink' AND gfid IS NULL)
      AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.gfid = CAST(handles.name AS TEXT) AND e.brick_id = handles.brick_id
                      AND e.inode = handles.inode))`;

/** Every object in the handle tree must be the handle of a named entry of that gfid. */
function checkHandleTree(ctx: CheckContext, brick: BrickRow): void {
  const namesOfInode = ctx.db.prepare(`SELECT path, gfid FROM entries WHERE brick_id = ? AND inode = ?`);
  // Named entries of a gfid were checked from their side; this side reports only handles nobody names.
  const namedTypes = ctx.db.prepare(`SELECT DISTINCT type FROM entries WHERE brick_id = ? AND gfid = ?`).pluck();
  const sql = `SELECT ${HANDLE_COLUMNS} FROM handles WHERE +brick_id = @brick AND rowid > @after AND (${HANDLE_TREE_MAY_BE_WRONG})
    ORDER BY rowid LIMIT @limit`;
  for (const h of ctx.pages<HandleRow>(sql, { brick: brick.id })) {
    const label = handleLabel(h);
    const name = h.name.toString('latin1');
    if (!isGfidText(name)) {
      ctx.report('HANDLE_BAD_NAME', { brick, vars: { handle: label } });
      continue;
    }
    if (h.bucket !== handleBucket(name)) {
      ctx.report('HANDLE_WRONG_BUCKET', { brick, gfid: name, vars: { handle: label, expected: handleRelPath(name) } });
      continue;
    }
    if (name === ROOT_GFID) continue; // pass 1
    const isDirHandle = h.type === 'symlink' && h.gfid === null;
    if (isDirHandle || h.type === 'dir') {
      const types = namedTypes.all(brick.id, name) as string[];
      if (types.length > 0) continue;
      // A directory handle whose directory is gone: GlusterFS deletes it on the next gfid lookup.
      if (isDirHandle) ctx.report('DIR_HANDLE_DANGLING', { brick, gfid: name, vars: { handle: label, target: escapeName(h.target!) } });
      else ctx.report('HANDLE_IS_DIRECTORY', { brick, gfid: name, vars: { handle: label } });
      continue;
    }
    const names = namesOfInode.all(brick.id, h.inode) as Array<{ path: Buffer; gfid: string | null }>;
    if (names.length === 0) {
      reportOrphan(ctx, brick, h, label, name);
    } else if (names[0]!.gfid !== null && names[0]!.gfid !== name) {
      ctx.report('HANDLE_GFID_MISMATCH', { brick, path: names[0]!.path, gfid: names[0]!.gfid, vars: { handle: label } });
    }
  }
}

function reportOrphan(ctx: CheckContext, brick: BrickRow, h: HandleRow, label: string, gfid: string): void {
  const lastNames = Object.values(parseXattrJson(h.xattrs))
    .filter((d) => d.kind === 'gfid2path')
    .map((d) => `<gfid:${d.parentGfid as string}>/${d.name as string}`);
  ctx.report('HANDLE_ORPHAN', {
    brick, gfid,
    vars: { handle: label, type: h.type, size: h.size, lastNames: lastNames.length ? lastNames.join(', ') : 'unknown' },
    detail: { lastNames },
  });
}

function checkDuplicateGfids(ctx: CheckContext, brick: BrickRow): void {
  // One ordered pass over the covering gfid index; `+brick_id` keeps the inode index out of it.
  const rows = ctx.db.prepare(`
    SELECT gfid FROM entries WHERE gfid IS NOT NULL AND +brick_id = ?
    GROUP BY gfid HAVING MIN(inode) != MAX(inode)`).pluck().all(brick.id) as string[];
  const paths = ctx.db.prepare(`SELECT path FROM entries WHERE brick_id = ? AND gfid = ? ORDER BY path`).pluck();
  for (const gfid of rows) {
    const shared = (paths.all(brick.id, gfid) as Buffer[]).map(escapeName);
    ctx.report('GFID_DUPLICATE', { brick, gfid, path: (paths.get(brick.id, gfid) as Buffer), vars: { paths: shared.join(', ') } });
  }
}
