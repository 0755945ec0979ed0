/** GlusterFS gfids: 16-byte UUIDs, their text form, and where their handles live. */

export const ROOT_GFID = '00000000-0000-0000-0000-000000000001';
/** Fixed gfid of the shard translator's /.shard directory (brick-layout §6). */
export const SHARD_ROOT_GFID = 'be318638-e8a0-4c6d-977d-7a937aa84806';

const GFID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function formatGfid(raw: Uint8Array): string {
  const hex = Buffer.isBuffer(raw) ? raw.toString('hex') : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function isGfidText(text: string): boolean {
  return GFID_TEXT.test(text);
}

/**
 * Accepts what an admin pastes: canonical text, 32 bare hex digits, or heal info's
 * `<gfid:...>` form. Returns the canonical text, or null if it is not a gfid.
 */
export function parseGfid(input: string): string | null {
  let text = input.trim().toLowerCase();
  const wrapped = /^<gfid:([^>]+)>(.*)$/.exec(text);
  if (wrapped) text = wrapped[1]!;
  if (GFID_TEXT.test(text)) return text;
  if (/^[0-9a-f]{32}$/.test(text)) return formatGfid(Buffer.from(text, 'hex'));
  return null;
}

export function gfidToBytes(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, ''), 'hex');
}

/** The bucket of a gfid's handle under .glusterfs: `<hh>/<hh2>` (SQL: handleBucketSql). */
export function handleBucket(gfid: string): string {
  return `${gfid.slice(0, 2)}/${gfid.slice(2, 4)}`;
}

/** Handle location relative to the brick root: `.glusterfs/<hh>/<hh2>/<gfid>`. */
export function handleRelPath(gfid: string): string {
  return `.glusterfs/${handleBucket(gfid)}/${gfid}`;
}

/** The symlink target a directory handle must have, relative to its own bucket. */
export function dirHandleTarget(parentGfid: string, name: Buffer): Buffer {
  if (parentGfid === ROOT_GFID && name.length === 0) return Buffer.from('../../..');
  return Buffer.concat([Buffer.from(`../../${handleBucket(parentGfid)}/${parentGfid}/`), name]);
}

/**
 * Parses a directory handle's target `../../xx/yy/<parent-gfid>/<name>` with the same
 * shape rules the brick applies; null when the brick would call it malformed.
 */
export function parseDirHandleTarget(target: Buffer): { parentGfid: string; name: Buffer } | 'root' | null {
  if (target.equals(Buffer.from('../../..'))) return 'root';
  if (target.length < 50 || target.length > 511) return null;
  const head = target.subarray(0, 49).toString('latin1');
  const m = /^\.\.\/\.\.\/([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f-]{36})\/$/.exec(head);
  if (!m || !GFID_TEXT.test(m[3]!) || m[3]!.slice(0, 2) !== m[1] || m[3]!.slice(2, 4) !== m[2]) return null;
  const name = target.subarray(49);
  if (name.length === 0 || name.includes(0x2f)) return null;
  return { parentGfid: m[3]!, name: Buffer.from(name) };
}
