/**
 * Deterministic file contents for scenarios: the same seed always gives the same bytes, so
 * regenerated fixtures differ only in what GlusterFS itself randomizes (gfids, volume-id,
 * timestamps).
 */
import { createHash } from 'node:crypto';

/** Incompressible bytes: SHA-256 in counter mode over (seed, block number). */
export function seededBytes(seed: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let block = 0, pos = 0; pos < length; block++, pos += 32) {
    createHash('sha256').update(`${seed}\0${block}`).digest().copy(out, pos);
  }
  return out;
}

const PATTERN_BLOCK = 4096;

/**
 * Compressible bytes for large files (fixtures must stay small in git): every 4 KiB block
 * starts with a line naming the seed and the block's offset, so misplaced blocks are
 * detectable, and is filled with 64 seed-derived bytes repeated. Addressable by offset,
 * so a writer can stream any range and the expected content of any prefix is known.
 */
export function patternBytes(seed: string, offset: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  const fill = seededBytes(`${seed}/fill`, 64);
  let pos = 0;
  while (pos < length) {
    const abs = offset + pos;
    const blockStart = abs - (abs % PATTERN_BLOCK);
    const block = Buffer.alloc(PATTERN_BLOCK);
    for (let i = 0; i < PATTERN_BLOCK; i += 64) fill.copy(block, i);
    Buffer.from(`${seed} @${blockStart}\n`).copy(block, 0);
    const from = abs - blockStart;
    const n = Math.min(PATTERN_BLOCK - from, length - pos);
    block.copy(out, pos, from, from + n);
    pos += n;
  }
  return out;
}

export const sha256Hex = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
