/** Pass 4: the inodes GlusterFS itself lists as needing heal, with their paths resolved. */
import { ROOT_GFID } from '../../gfid-tree/gfid.ts';
import { childPath } from '../../fs/names.ts';
import type { CheckContext } from '../context.ts';

interface IndexRow { id: number; kind: string; gfid: string; name: Buffer | null }

export function checkHealIndices(ctx: CheckContext): void {
  const pathOf = ctx.db.prepare(`SELECT path FROM entries WHERE gfid = ? ORDER BY brick_id = ? DESC LIMIT 1`).pluck();
  for (const brick of ctx.bricks) {
    const sql = `SELECT rowid AS id, kind, gfid, name FROM heal_index WHERE +brick_id = @brick AND rowid > @after ORDER BY rowid LIMIT @limit`;
    for (const row of ctx.pages<IndexRow>(sql, { brick: brick.id })) {
      const path = (row.gfid === ROOT_GFID ? Buffer.from('/') : pathOf.get(row.gfid, brick.id)) as Buffer | undefined;
      if (row.kind === 'entry-changes') {
        const parent = path ?? Buffer.from(`<gfid:${row.gfid}>`);
        ctx.report('HEAL_PENDING_ENTRY', { brick, path: childPath(parent, row.name!), gfid: row.gfid, vars: { kind: row.kind } });
      } else if (path) {
        ctx.report('HEAL_PENDING', { brick, path, gfid: row.gfid, vars: { kind: row.kind } });
      } else {
        ctx.report('HEAL_INDEX_UNKNOWN', { brick, gfid: row.gfid, vars: { kind: row.kind } });
      }
    }
  }
}
