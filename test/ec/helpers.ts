/**
 * Shared by the EC tests: the GlusterFS 10.3 test vectors, their content generator, and the
 * two kernels so each suite can run against both.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFallbackKernel } from '../../core/ec/kernel-fallback.ts';
import { createSimdKernel } from '../../core/ec/kernel-simd.ts';
import type { XorKernel } from '../../core/ec/kernel.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const vectorsDir = resolve(repoRoot, 'testdata/ec-vectors');

/** Both kernels, each with its own memory. A missing SIMD kernel fails the suite: Node 20 has SIMD. */
export const kernels: readonly XorKernel[] = [
  createFallbackKernel(),
  (await createSimdKernel()) ?? assertNever('this Node lacks WebAssembly SIMD'),
];

function assertNever(message: string): never {
  throw new Error(message);
}

export interface Operation {
  op: string;
  offset?: number;
  length?: number;
  size?: number;
  content?: string;
  content_hex?: string;
}

export interface FileVector {
  name: string;
  volume: { k: number; r: number; nodes: number; stripe_size: number };
  operations: Operation[];
  file: { size: number; sha256: string; content_hex?: string };
  fragments: { index: number; size: number; sha256: string; hex?: string }[];
}

export interface DegradedVector {
  name: string;
  volume: FileVector['volume'];
  states: {
    label: string;
    file: { size: number; sha256: string; content_hex: string };
    bricks: { index: number; fragment_sha256: string; fragment_hex: string; fragment_equals_encode_of_current_file: boolean }[];
    stale_fragment_equals_encode_of_old_file?: boolean;
  }[];
}

function readVector<T>(file: string): T {
  return JSON.parse(readFileSync(join(vectorsDir, file), 'utf8')) as T;
}

/** Every per-file vector (those with fragments), sorted by name. */
export function fileVectors(): FileVector[] {
  return readdirSync(vectorsDir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => readVector<FileVector & { fragments?: unknown }>(file))
    .filter((vector): vector is FileVector => Array.isArray(vector.fragments));
}

export function degradedVector(): DegradedVector {
  return readVector<DegradedVector>('2p1_degraded_then_healed.json');
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** README generator: SHA-256("ecspec|" + name + "|" + u64be(counter)) for counter 0, 1, … cut to n bytes. */
export function generated(name: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  const counter = Buffer.alloc(8);
  for (let c = 0, at = 0; at < n; c++, at += 32) {
    counter.writeBigUInt64BE(BigInt(c));
    const block = createHash('sha256').update(`ecspec|${name}|`).update(counter).digest();
    out.set(block.subarray(0, Math.min(32, n - at)), at);
  }
  return out;
}

function operationBytes(op: Operation): Uint8Array {
  if (op.content_hex !== undefined) return Buffer.from(op.content_hex, 'hex');
  const name = /ecspec\|([^|]*)\|/.exec(op.content ?? '')?.[1];
  if (name === undefined) throw new Error(`cannot tell the generator of ${JSON.stringify(op)}`);
  return generated(name, op.length!);
}

/** The file content after applying `operations` to an empty file (holes and extensions are zeros). */
export function replay(operations: readonly Operation[]): Uint8Array {
  let file = new Uint8Array(0);
  const resize = (size: number): void => {
    const next = new Uint8Array(size);
    next.set(file.subarray(0, size));
    file = next;
  };
  for (const op of operations) {
    if (op.op === 'pwrite' || op.op === 'append') {
      const bytes = operationBytes(op);
      const offset = op.op === 'append' ? file.length : op.offset!;
      if (offset + bytes.length > file.length) resize(offset + bytes.length);
      file.set(bytes, offset);
    } else if (op.op === 'ftruncate') {
      resize(op.size!);
    }
    // Other operations (close/reopen, brick kill/restart, heal) do not change the content.
  }
  return file;
}

/** The vector's final content: its hex when given, else replayed from the operations. */
export function vectorContent(vector: FileVector): Uint8Array {
  return vector.file.content_hex !== undefined ? Buffer.from(vector.file.content_hex, 'hex') : replay(vector.operations);
}

/** All k-element subsets of 0..n-1, each ascending. */
export function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  if (n < k) return [];
  return [...subsets(n - 1, k), ...subsets(n - 1, k - 1).map((s) => [...s, n - 1])];
}
