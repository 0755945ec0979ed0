/**
 * Synthetic disperse volumes with real content: SyntheticVolume lays out bricks, xattrs and
 * handles with zero-filled fragments; `writeEncoded` then puts the true encoding of `data`
 * into every brick's fragment, so a rebuild has something to decode and verify.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { createCodec } from '../../core/ec/codec.ts';
import { setXattr } from '../../core/fs/xattr.ts';
import { SyntheticVolume } from '../support/synthetic-volume.ts';

export const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Deterministic, incompressible bytes. */
export function randomBytes(seed: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let block = 0; block * 32 < length; block++) createHash('sha256').update(`${seed}/${block}`).digest().copy(out, block * 32);
  return out;
}

/** A regular file whose fragments are the real encoding of `data`. Returns its gfid. */
export function writeEncoded(vol: SyntheticVolume, path: string, data: Uint8Array): string {
  const gfid = vol.file(path, data.length);
  const fragments = createCodec(vol.k, vol.r).encode(data);
  vol.bricks.forEach((brick, i) => writeFileSync(join(brick, path), fragments[i]!));
  return gfid;
}

export function u64(n: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** Sets one xattr of a path on the given bricks. */
export function setOn(vol: SyntheticVolume, bricks: number[], path: string, name: string, value: Buffer): void {
  for (const b of bricks) setXattr(join(vol.bricks[b]!, path), name, value);
}

/** A scratch directory (bricks in `bricks/`, output room beside) removed by `cleanup`. */
export function scratch(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `gfsck-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
