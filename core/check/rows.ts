/** Catalog rows as the passes read them. */

export type XattrJson = Record<string, { kind: string; [field: string]: unknown }>;

export function parseXattrJson(json: string | null): XattrJson {
  return json ? (JSON.parse(json) as XattrJson) : {};
}

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
  xattrs: string;
}

/** A DHT linkto file: mode exactly sticky-only and the linkto xattr (both, as DHT requires). */
export function isLinkto(e: Pick<EntryRow, 'type' | 'mode' | 'linkto'>): boolean {
  return e.type === 'file' && e.mode === 0o1000 && e.linkto !== null;
}
