/**
 * The hot loop: run an XorProgram over many stripes held in the kernel's own memory.
 *
 * Callers (the stripe engine) copy blocks of stripes into `workspace()`, call run(), and copy
 * results out. Keeping data in kernel-owned memory is what lets the WebAssembly kernel work on
 * it without a copy per stripe; the fallback uses the same contract so both are interchangeable.
 *
 * Two implementations: WebAssembly SIMD (kernel-simd.ts) and portable TypeScript
 * (kernel-fallback.ts). The default is SIMD when the engine validates the SIMD module, unless
 * GFSCK_EC_KERNEL=fallback|simd forces one.
 */
import type { XorProgram } from './xor-program.ts';
import { createFallbackKernel } from './kernel-fallback.ts';
import { createSimdKernel } from './kernel-simd.ts';

export type KernelName = 'simd' | 'fallback';
export const KERNEL_NAMES: readonly KernelName[] = ['simd', 'fallback'];

/** Where a block of stripes sits in the workspace: stripe s starts at offset + s·stripeStride. */
export interface StripeRegion {
  readonly offset: number;
  readonly stripeStride: number;
}

export interface StripeJob {
  readonly stripes: number;
  readonly input: StripeRegion;
  readonly output: StripeRegion;
}

export interface XorKernel {
  readonly name: KernelName;
  /**
   * Working memory of at least `bytes` bytes, offsets in StripeJob are relative to its start.
   * A later call with a larger size may move it, so take a fresh view for every block.
   */
  workspace(bytes: number): Uint8Array;
  run(program: XorProgram, job: StripeJob): void;
}

/** Reads GFSCK_EC_KERNEL; undefined when unset or empty (let the runtime decide). */
export function kernelFromEnvironment(env: NodeJS.ProcessEnv = process.env): KernelName | undefined {
  const forced = env.GFSCK_EC_KERNEL;
  if (forced === undefined || forced === '') return undefined;
  if (!(KERNEL_NAMES as readonly string[]).includes(forced)) {
    throw new Error(`GFSCK_EC_KERNEL must be one of ${KERNEL_NAMES.join(', ')}, got "${forced}"`);
  }
  return forced as KernelName;
}

/**
 * A new kernel instance. `name` forces an implementation (forcing "simd" where it cannot run
 * throws); without it SIMD is used when available and the fallback otherwise.
 */
export async function loadKernel(name: KernelName | undefined = kernelFromEnvironment()): Promise<XorKernel> {
  if (name === 'fallback') return createFallbackKernel();
  let reason: string;
  try {
    const simd = await createSimdKernel();
    if (simd) return simd;
    reason = 'this engine rejects WebAssembly SIMD';
  } catch (error) {
    reason = `the SIMD kernel failed to load: ${(error as Error).message}`;
  }
  if (name === 'simd') throw new Error(`GFSCK_EC_KERNEL=simd, but ${reason}`);
  return createFallbackKernel();
}

/** Kernel shared by the codecs of this thread; they run synchronously, so one workspace is enough. */
export const defaultKernel: XorKernel = await loadKernel();
