/**
 * Encoded fragment sets on real files for the brick-writer tests: each fragment written
 * sparse (all-zero 4 KiB granules left as holes, as GlusterFS leaves them), plus the
 * probes the tests compare with: the data-extent map and nanosecond file times.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, lstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { codecFor, fragmentLength } from '../../core/ec/codec.ts';
import { native } from '../../core/fs/native.ts';
import { RepairSession, newRunId } from '../../core/repair/session.ts';

const GRANULE = 4096;

/** Data with long zero runs, so its fragments have holes. Deterministic in `seed`. */
export function sparseData(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  const next = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), x >>> 0);
  for (let at = 0; at < length; at += 64 * 1024) {
    if (next() % 3 === 0) continue; // a 64 KiB zero run
    for (let i = at; i + 4 <= Math.min(length, at + 64 * 1024); i += 4) out.writeUInt32LE(next(), i);
  }
  return out;
}

export function encodeAll(k: number, r: number, data: Buffer): Buffer[] {
  const length = fragmentLength(data.length, k);
  const fragments = Array.from({ length: k + r }, () => Buffer.alloc(length));
  codecFor(k, r).encodeStripes(data, fragments);
  return fragments;
}

/** Writes `content` to a new file, skipping all-zero granules (holes), to exactly its length. */
export function writeSparse(path: string, content: Buffer): void {
  const fd = openSync(path, 'w', 0o644);
  try {
    for (let at = 0; at < content.length; at += GRANULE) {
      const piece = content.subarray(at, Math.min(content.length, at + GRANULE));
      if (piece.some((b) => b !== 0)) writeSync(fd, piece, 0, piece.length, at);
    }
    ftruncateSync(fd, content.length);
  } finally {
    closeSync(fd);
  }
}

/** The data extents of a whole file, [start, end) pairs. */
export function extentsOf(path: string): Array<[number, number]> {
  const fd = openSync(path, 'r');
  try {
    const flat = native.dataExtents(fd, 0, lstatSync(path).size);
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
    return pairs;
  } finally {
    closeSync(fd);
  }
}

/** Granule offsets of `content` that are all zero but lie inside a data extent of the file. */
export function filledHoles(path: string, content: Buffer): number[] {
  const extents = extentsOf(path);
  const out: number[] = [];
  for (let at = 0; at < content.length; at += GRANULE) {
    if (content.subarray(at, at + GRANULE).some((b) => b !== 0)) continue;
    if (extents.some(([s, e]) => s < Math.min(content.length, at + GRANULE) && e > at)) out.push(at);
  }
  return out;
}

/** Sets atime and mtime with nanoseconds (Node's utimes cannot). */
export function setTimesNs(path: string, seconds: number, nanos: number): void {
  execFileSync('touch', ['-h', '-d', `@${seconds}.${String(nanos).padStart(9, '0')}`, path]);
}

/** mtime in nanoseconds (atime moves whenever a test reads the file). */
export const mtimeNs = (path: string): bigint => lstatSync(path, { bigint: true }).mtimeNs;

export function beginSession(dir: string, bricks: string[], name = 'heal'): RepairSession {
  mkdirSync(dir, { recursive: true });
  return RepairSession.begin({ bricks, journalFile: join(dir, `${name}-${newRunId()}.journal`), force: false, command: 'heal --apply', runId: newRunId() });
}
