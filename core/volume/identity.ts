/**
 * Which volume a brick belongs to: the volume id on its root (trusted.glusterfs.volume-id).
 * Inspect reports a brick whose id disagrees; heal and rebuild refuse to mix bricks of two
 * volumes, since fragments or copies of another volume would be taken for this one's.
 */
import { GfsckError } from '../errors.ts';
import { getXattr } from '../fs/xattr.ts';
import { decodeXattr } from '../xattr/decode.ts';
import { brickLabel } from './copies.ts';
import { readVolinfo } from './layout.ts';

export const VOLUME_ID_XATTR = 'trusted.glusterfs.volume-id';

export interface StrayBrick<K> { brick: K; volumeId: string }

/**
 * The bricks that belong to another volume than the set's: against the volinfo's id when
 * known, else against the id most bricks carry. Bricks with no readable id are not judged here.
 */
export function strayBricks<K>(ids: Map<K, string>, expected: string | null): { expected: string; stray: StrayBrick<K>[] } | null {
  const counts = new Map<string, number>();
  for (const id of ids.values()) counts.set(id, (counts.get(id) ?? 0) + 1);
  const reference = expected ?? [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (reference === undefined) return null;
  const stray = [...ids].filter(([, id]) => id !== reference).map(([brick, volumeId]) => ({ brick, volumeId }));
  return stray.length === 0 ? null : { expected: reference, stray };
}

function rootVolumeId(root: string): string | null {
  const raw = getXattr(root, VOLUME_ID_XATTR);
  if (raw === null) return null;
  const decoded = decodeXattr(VOLUME_ID_XATTR, raw);
  return decoded.kind === 'volume-id' ? decoded.gfid : null;
}

/** Refuses, before anything is scanned or written, bricks that do not all belong to one volume. */
export function requireOneVolume(roots: string[], volinfo: string | undefined): void {
  const ids = new Map<number, string>();
  roots.forEach((root, i) => {
    const id = rootVolumeId(root);
    if (id !== null) ids.set(i, id);
  });
  const expected = volinfo === undefined ? null : readVolinfo(volinfo).volumeId?.toLowerCase() ?? null;
  const found = strayBricks(ids, expected);
  if (!found) return;
  const first = found.stray[0]!;
  const whose = expected === null ? 'the other bricks' : 'the volinfo';
  throw new GfsckError('usage', `${brickLabel(first.brick)} (${roots[first.brick]}) belongs to volume ${first.volumeId}, ${whose} to ${found.expected}: give the bricks of one volume`);
}
