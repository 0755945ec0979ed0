/**
 * Reading large brick files with O_DIRECT: a recovery reads each fragment once, so the page
 * cache only costs (allocating and reclaiming a gigabyte of it dominated the system time of
 * a 1 GiB rebuild, and made it vary run to run). O_DIRECT wants buffers, offsets and lengths
 * on sector boundaries; where the filesystem or a read refuses, reads fall back to the cache.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { constants } from 'node:fs';
import { native } from './native.ts';

/** Zero-filled bytes on a 4096-byte boundary, fit for O_DIRECT reads. */
export function allocateAligned(bytes: number): Uint8Array {
  return new Uint8Array(native.alignedBuffer(Math.max(bytes, 1)), 0, bytes);
}

export class DirectReader {
  private buffered: FileHandle | null = null;

  private constructor(private readonly path: Buffer | string, private readonly flags: number, readonly handle: FileHandle, private direct: boolean) {}

  /** Opens with O_DIRECT when the filesystem allows it (`flags` are the other open flags). */
  static async open(path: Buffer | string, flags: number): Promise<DirectReader> {
    try {
      return new DirectReader(path, flags, await open(path, flags | constants.O_DIRECT), true);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
      return new DirectReader(path, flags, await open(path, flags), false);
    }
  }

  /** Up to `length` bytes at `position` into `into` at `offset`, like FileHandle.read. */
  async read(into: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    if (this.direct) {
      try {
        return (await this.handle.read(into, offset, length, position)).bytesRead;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
        this.direct = false; // an unaligned buffer, offset or length: read through the cache from now on
      }
    }
    this.buffered ??= await open(this.path, this.flags);
    return (await this.buffered.read(into, offset, length, position)).bytesRead;
  }

  async close(): Promise<void> {
    await Promise.all([this.handle.close(), this.buffered?.close()]);
  }
}
