/**
 * Byte ranges of brick files, for writes that must be undone exactly: their content, which
 * parts are holes (SEEK_DATA/SEEK_HOLE), and putting both back.
 */
import { fstatSync, openSync, readSync, writeSync, constants } from 'node:fs';
import { createHash } from 'node:crypto';
import { native } from './native.ts';

/** Opens a brick file for reading and writing without following a symlink. */
export function openForWrite(path: Buffer | string): number {
  return openSync(path, constants.O_RDWR | constants.O_NOFOLLOW);
}

export function readRange(fd: number, offset: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  return out.subarray(0, readInto(fd, out, offset));
}

/** Fills `into` from `offset` on, short only at the end of the file; returns the bytes read. */
export function readInto(fd: number, into: Uint8Array, offset: number): number {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, into.length - done, offset + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

export function writeRangeAt(fd: number, offset: number, data: Uint8Array): void {
  for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done, offset + done);
}

/** Data extents in [offset, offset + length) as packed u64 BE pairs (absolute offsets). */
export function packedExtents(fd: number, offset: number, length: number): Buffer {
  const flat = native.dataExtents(fd, offset, length);
  const out = Buffer.alloc(flat.length * 8);
  flat.forEach((v, i) => out.writeBigUInt64BE(BigInt(v), i * 8));
  return out;
}

export function unpackExtents(packed: Buffer): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i + 16 <= packed.length; i += 16) pairs.push([Number(packed.readBigUInt64BE(i)), Number(packed.readBigUInt64BE(i + 8))]);
  return pairs;
}

/** Punches holes wherever [offset, offset + length) had none of the data `extents` list. */
export function restoreHoles(fd: number, offset: number, length: number, extents: Array<[number, number]>): void {
  let at = offset;
  for (const [start, end] of [...extents, [offset + length, offset + length] as [number, number]]) {
    if (start > at) native.punchHole(fd, at, start - at);
    at = Math.max(at, end);
  }
}

export function digest(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface FileTimes { atimeNs: bigint; mtimeNs: bigint }

export function timesOf(fd: number): FileTimes {
  const st = fstatSync(fd, { bigint: true });
  return { atimeNs: st.atimeNs, mtimeNs: st.mtimeNs };
}

export function restoreTimes(fd: number, t: FileTimes): void {
  native.setTimes(fd, t.atimeNs, t.mtimeNs);
}

export function sizeOf(fd: number): number {
  return fstatSync(fd).size;
}
