/**
 * Assembles kernel-simd.wat into WebAssembly with wabt, a build-time tool: `npm run build`
 * writes the binary beside the compiled kernel, and only a run from the sources (tests,
 * development) assembles it in the process.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const WAT_FILE = new URL('./kernel-simd.wat', import.meta.url);

export async function assembleSimdKernel(): Promise<Uint8Array<ArrayBuffer>> {
  const { default: wabt } = await import('wabt');
  const assembler = await wabt();
  const parsed = assembler.parseWat(fileURLToPath(WAT_FILE), readFileSync(WAT_FILE, 'utf8'), { simd: true });
  try {
    // Copied into a plain ArrayBuffer: wabt hands out a view typed as possibly shared.
    return new Uint8Array(parsed.toBinary({}).buffer);
  } finally {
    parsed.destroy();
  }
}
