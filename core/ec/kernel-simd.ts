/**
 * WebAssembly SIMD kernel. kernel-simd.wat is assembled with wabt when first needed (no
 * generated binary lives in the repository); the compiled module is kept per thread. wabt is
 * imported lazily so that a missing wabt costs the SIMD kernel only, not the codec.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StripeJob, XorKernel } from './kernel.ts';
import { MAX_SCRATCH_PLANES, type XorProgram } from './xor-program.ts';
import { PLANE } from './layout.ts';

const WAT_FILE = new URL('./kernel-simd.wat', import.meta.url);
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
    const { default: wabt } = await import('wabt');
    const assembler = await wabt();
    const parsed = assembler.parseWat(fileURLToPath(WAT_FILE), readFileSync(WAT_FILE, 'utf8'), { simd: true });
    try {
      // Copied into a plain ArrayBuffer: wabt hands out a view typed as possibly shared.
      const binary = new Uint8Array(parsed.toBinary({}).buffer);
      return WebAssembly.validate(binary) ? new WebAssembly.Module(binary) : null;
    } finally {
      parsed.destroy();
    }
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
