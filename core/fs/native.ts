/** Loads gfsck's native module (native/*.c, built by node-gyp at npm install). */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { projectRoot } from './project.ts';

export type BrickPath = Buffer | string;
export type RawXattrs = Array<[name: string, value: Buffer]>;

export interface DirScanner { readonly __brand: 'DirScanner' }

interface NativeModule {
  getAll(path: BrickPath): RawXattrs;
  getAllAsync(path: BrickPath): Promise<RawXattrs>;
  get(path: BrickPath, name: string): Buffer | null;
  set(path: BrickPath, name: string, value: Buffer, flags?: number): void;
  remove(path: BrickPath, name: string): void;
  openScanner(path: BrickPath, withXattrs: boolean, twoLevels: boolean): DirScanner;
  /** A packed batch (see native/dirscan.c), parsed by dirscan.ts. */
  readBatch(scanner: DirScanner, max: number): Promise<Buffer | null>;
  closeScanner(scanner: DirScanner): void;
  alignedBuffer(bytes: number): ArrayBuffer;
  /** [start, end, ...] of the data (not holes) in [offset, offset + length). */
  dataExtents(fd: number, offset: number, length: number): number[];
  punchHole(fd: number, offset: number, length: number): void;
  /** futimens with nanosecond times. */
  setTimes(fd: number, atimeNs: bigint, mtimeNs: bigint): void;
  mknod(path: BrickPath, mode: number, major: number, minor: number): void;
  /** syncfs(2) on the filesystem holding fd. */
  syncFs(fd: number): void;
}

export const native = createRequire(import.meta.url)(join(projectRoot(), 'build', 'Release', 'gfsck_native.node')) as NativeModule;
