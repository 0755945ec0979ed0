/**
 * WebAssembly SIMD kernel, from kernel-simd.wat. The build assembles it into
 * kernel-simd.wasm beside the compiled file (no generated binary lives in the repository), so
 * an installed gfsck only reads and compiles a binary; run from the sources, it is assembled
 * in the process. The compiled module is kept per thread.
 */
import { readFileSync } from 'node:fs';
import type { StripeJob, XorKernel } from './kernel.ts';
import { MAX_SCRATCH_PLANES, type XorProgram } from './xor-program.ts';
import { PLANE } from './layout.ts';
import { runningSources } from '../fs/project.ts';

export const WASM_FILE = new URL('./kernel-simd.wasm', import.meta.url);
const WASM_PAGE = 65536;

// Memory layout (see kernel-simd.wat): scratch at 0 so that the program's scratch refs are
// already absolute addresses, then the program, then the caller's workspace.
const SCRATCH_BYTES = MAX_SCRATCH_PLANES * PLANE;
const CODE_START = SCRATCH_BYTES;
/** Room for the largest program: 16+15 encode needs under 70 KiB even before sharing pairs. */
const CODE_CAPACITY = 256 * 1024;
const WORKSPACE_START = CODE_START + CODE_CAPACITY;

interface KernelExports {
  memory: WebAssembly.Memory;
  run(code: number, codeEnd: number, input: number, inputStride: number, output: number, outputStride: number, stripes: number): void;
}

let compiled: Promise<WebAssembly.Module | null> | undefined;

/** The assembled module, or null when this engine does not validate WebAssembly SIMD. */
function compileSimdModule(): Promise<WebAssembly.Module | null> {
  compiled ??= (async () => {
    const binary = runningSources
      ? await (await import('./kernel-simd-assemble.ts')).assembleSimdKernel()
      : new Uint8Array(readFileSync(WASM_FILE));
    return WebAssembly.validate(binary) ? new WebAssembly.Module(binary) : null;
  })();
  return compiled;
}

/** A new SIMD kernel with its own memory, or null when SIMD is unavailable. */
export async function createSimdKernel(): Promise<XorKernel | null> {
  const module = await compileSimdModule();
  if (!module) return null;
  const exports = new WebAssembly.Instance(module).exports as unknown as KernelExports;
  const memory = exports.memory;
  let loaded: XorProgram | undefined;

  const ensureBytes = (bytes: number): void => {
    const missing = bytes - memory.buffer.byteLength;
    if (missing > 0) memory.grow(Math.ceil(missing / WASM_PAGE));
  };
  ensureBytes(WORKSPACE_START);

  return {
    name: 'simd',
    workspace(bytes: number): Uint8Array {
      ensureBytes(WORKSPACE_START + bytes);
      return new Uint8Array(memory.buffer, WORKSPACE_START, bytes);
    },
    run(program: XorProgram, job: StripeJob): void {
      const codeBytes = program.code.byteLength;
      if (codeBytes === 0 || job.stripes === 0) return;
      if (loaded !== program) {
        if (codeBytes > CODE_CAPACITY) throw new Error(`XOR program of ${codeBytes} bytes exceeds the kernel's ${CODE_CAPACITY}`);
        new Int32Array(memory.buffer, CODE_START, program.code.length).set(program.code);
        loaded = program;
      }
      exports.run(
        CODE_START,
        CODE_START + codeBytes,
        WORKSPACE_START + job.input.offset,
        job.input.stripeStride,
        WORKSPACE_START + job.output.offset,
        job.output.stripeStride,
        job.stripes,
      );
    },
  };
}
