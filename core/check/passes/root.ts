/** Pass 1: what a brick needs to start at all, and what the scan could not read. */
import { ROOT_GFID } from '../../gfid-tree/gfid.ts';
import type { CheckContext } from '../context.ts';
import { parseXattrJson } from '../../index/xattr-column.ts';
import { VOLUME_ID_XATTR, strayBricks } from '../../volume/identity.ts';

export function checkRoots(ctx: CheckContext): void {
  const volumeIds = new Map<number, string>();
  for (const brick of ctx.bricks) {
    for (const e of ctx.db.prepare(`SELECT path, syscall, code FROM scan_errors WHERE brick_id = ?`).all(brick.id) as
      Array<{ path: Buffer; syscall: string; code: string }>) {
      ctx.report('SCAN_ERROR', { brick, path: e.path, vars: { syscall: e.syscall, errno: e.code } });
    }
    const root = ctx.db.prepare(`SELECT gfid, xattrs FROM entries WHERE brick_id = ? AND path = x'2f'`).get(brick.id) as
      { gfid: string | null; xattrs: string } | undefined;
    if (!root) continue; // unreadable root: already a SCAN_ERROR
    const xattrs = parseXattrJson(root.xattrs);
    const volumeId = xattrs[VOLUME_ID_XATTR];
    if (volumeId?.kind === 'volume-id') volumeIds.set(brick.id, volumeId.gfid as string);
    // A malformed one is pass 2's XATTR_MALFORMED: there is a value, just not a valid one.
    else if (!volumeId) ctx.report('ROOT_VOLUME_ID_MISSING', { brick, path: Buffer.from('/') });
    if (root.gfid !== ROOT_GFID) {
      ctx.report('ROOT_GFID_WRONG', { brick, path: Buffer.from('/'), gfid: root.gfid, vars: { gfid: root.gfid ?? 'missing' } });
    }
    const handle = ctx.db.prepare(`SELECT type, target FROM handles WHERE brick_id = ? AND bucket = '00/00' AND name = ?`)
      .get(brick.id, Buffer.from(ROOT_GFID)) as { type: string; target: Buffer | null } | undefined;
    if (!handle) {
      ctx.report('ROOT_HANDLE_MISSING', { brick, path: Buffer.from('/'), gfid: ROOT_GFID, vars: { rootGfid: ROOT_GFID } });
    } else if (handle.type !== 'symlink' || !handle.target?.equals(Buffer.from('../../..'))) {
      const found = handle.type === 'symlink' ? `a symlink to ${handle.target!.toString('latin1')}` : `a ${handle.type}`;
      ctx.report('ROOT_HANDLE_BAD', { brick, path: Buffer.from('/'), gfid: ROOT_GFID, vars: { found } });
    }
  }
  reportVolumeIdDisagreement(ctx, volumeIds);
}

function reportVolumeIdDisagreement(ctx: CheckContext, volumeIds: Map<number, string>): void {
  const found = strayBricks(volumeIds, null);
  for (const { brick, volumeId } of found?.stray ?? []) {
    ctx.report('ROOT_VOLUME_ID_DIFFERS', { brick: ctx.brick(brick), path: Buffer.from('/'), vars: { volumeId, expected: found!.expected } });
  }
}
