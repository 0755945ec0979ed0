/**
 * Portable kernel: 32-bit XORs over one Int32Array, no WebAssembly needed.
 *
 * The array holds the scratch planes first and the caller's workspace after them, so every
 * source of a step is read from the same array and only its base differs.
 */
import type { StripeJob, XorKernel } from './kernel.ts';
import { MAX_SCRATCH_PLANES, SCRATCH_TARGET, STEP_HEADER, type XorProgram } from './xor-program.ts';
import { PLANE } from './layout.ts';

/** Offsets are divided by shifting: a division would make V8 index the arrays with doubles. */
const WORD_SHIFT = 2;
const WORD_BYTES = 1 << WORD_SHIFT;
const SCRATCH_BYTES = MAX_SCRATCH_PLANES * PLANE;
const WORKSPACE_START = SCRATCH_BYTES >>> WORD_SHIFT;

export function createFallbackKernel(): XorKernel {
  let words = new Int32Array(WORKSPACE_START);
  // Byte offsets in the program become word indexes once per program, not once per stripe.
  const wordCodes = new WeakMap<XorProgram, Int32Array>();

  return {
    name: 'fallback',
    workspace(bytes: number): Uint8Array {
      if (words.byteLength < SCRATCH_BYTES + bytes) {
        words = new Int32Array(WORKSPACE_START + Math.ceil(bytes / WORD_BYTES));
      }
      return new Uint8Array(words.buffer, SCRATCH_BYTES, bytes);
    },
    run(program: XorProgram, job: StripeJob): void {
      let code = wordCodes.get(program);
      if (!code) {
        code = toWordCode(program.code);
        wordCodes.set(program, code);
      }
      const inputStart = WORKSPACE_START + (job.input.offset >>> WORD_SHIFT);
      const outputStart = WORKSPACE_START + (job.output.offset >>> WORD_SHIFT);
      const inputStride = job.input.stripeStride >>> WORD_SHIFT;
      const outputStride = job.output.stripeStride >>> WORD_SHIFT;
      for (let s = 0; s < job.stripes; s++) {
        runStripe(code, words, inputStart + s * inputStride, outputStart + s * outputStride);
      }
    },
  };
}

/** The same program with every offset in 32-bit words; a scratch target keeps its tag bit. */
function toWordCode(code: Int32Array): Int32Array {
  const out = new Int32Array(code.length);
  for (let pc = 0; pc < code.length; ) {
    const target = code[pc];
    out[pc] = target & SCRATCH_TARGET ? ((target - SCRATCH_TARGET) >>> WORD_SHIFT) | SCRATCH_TARGET : target >>> WORD_SHIFT;
    out[pc + 1] = code[pc + 1];
    out[pc + 2] = code[pc + 2];
    const end = pc + STEP_HEADER + code[pc + 1] + code[pc + 2];
    for (let t = pc + STEP_HEADER; t < end; t++) out[t] = code[t] >>> WORD_SHIFT;
    pc = end;
  }
  return out;
}

/**
 * One stripe. The 16 words of a plane are accumulated in 16 locals, written out by hand: V8
 * keeps them in registers, which measured 2.5× faster than a loop over the words and 1.7×
 * faster than four passes of four.
 */
function runStripe(code: Int32Array, m: Int32Array, inputBase: number, outputBase: number): void {
  // Imported bindings are re-read (with a TDZ check) at every use; locals stay in registers.
  const header = STEP_HEADER;
  const scratchTag = SCRATCH_TARGET;
  for (let pc = 0; pc < code.length; ) {
    const target = code[pc];
    const inputsEnd = pc + header + code[pc + 1];
    const sourcesEnd = inputsEnd + code[pc + 2];
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    let a8 = 0, a9 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0, a14 = 0, a15 = 0;
    for (let t = pc + header; t < sourcesEnd; t++) {
      const s = t < inputsEnd ? inputBase + code[t] : code[t];
      a0 ^= m[s]; a1 ^= m[s + 1]; a2 ^= m[s + 2]; a3 ^= m[s + 3];
      a4 ^= m[s + 4]; a5 ^= m[s + 5]; a6 ^= m[s + 6]; a7 ^= m[s + 7];
      a8 ^= m[s + 8]; a9 ^= m[s + 9]; a10 ^= m[s + 10]; a11 ^= m[s + 11];
      a12 ^= m[s + 12]; a13 ^= m[s + 13]; a14 ^= m[s + 14]; a15 ^= m[s + 15];
    }
    const d = target & scratchTag ? target - scratchTag : outputBase + target;
    m[d] = a0; m[d + 1] = a1; m[d + 2] = a2; m[d + 3] = a3;
    m[d + 4] = a4; m[d + 5] = a5; m[d + 6] = a6; m[d + 7] = a7;
    m[d + 8] = a8; m[d + 9] = a9; m[d + 10] = a10; m[d + 11] = a11;
    m[d + 12] = a12; m[d + 13] = a13; m[d + 14] = a14; m[d + 15] = a15;
    pc = sourcesEnd;
  }
}
