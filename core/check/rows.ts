/** Catalog rows as the passes read them. */
import { handleBucketSql } from '../index/schema.ts';
import { isLinktoFile } from '../dht/linkto.ts';

export interface EntryRow {
  id: number;
  brick_id: number;
  path: Buffer;
  parent_gfid: string | null;
  name: Buffer;
  area: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime_ns: number;
  nlink: number;
  inode: number;
  target: Buffer | null;
  gfid: string | null;
  ec_config: string | null;
  ec_size: number | null;
  ec_version_data: number | null;
  ec_version_meta: number | null;
  ec_healing: number;
  ec_dirty_data: number | null;
  ec_dirty_meta: number | null;
  linkto: string | null;
  xattr_suspect: number;
  g2p_own: number;
  xattrs: string;
}

/** A DHT linkto file: mode exactly sticky-only and the linkto xattr (both, as DHT requires). */
export function isLinkto(e: Pick<EntryRow, 'type' | 'mode' | 'linkto'>): boolean {
  return isLinktoFile(e.type, e.mode, e.linkto !== null);
}

/**
 * Entries of one brick joined with the handle their gfid names (h_* columns are NULL when
 * there is none), for ctx.pages: one statement per page instead of one lookup per entry.
 * `columns` lists the entry columns wanted: rows are wide (the xattrs JSON), and reading
 * columns a pass does not need costs as much as the pass.
 */
export function entriesWithHandle(columns = 'e.*'): string {
  return `SELECT ${columns}, h.type AS h_type, h.inode AS h_inode, h.nlink AS h_nlink, h.target AS h_target
  FROM entries e LEFT JOIN handles h ON h.brick_id = e.brick_id
    AND h.bucket = ${handleBucketSql('e.gfid')} AND h.name = CAST(e.gfid AS BLOB)
  WHERE +e.brick_id = @brick AND e.id > @after`;
}

export interface EntryWithHandle extends EntryRow {
  h_type: string | null;
  h_inode: number | null;
  h_nlink: number | null;
  h_target: Buffer | null;
}

/** How many names the inode has on this brick: its links, less the handle if that is one. */
export function nameCount(e: EntryWithHandle): number {
  return e.nlink - (e.h_inode === e.inode ? 1 : 0);
}
