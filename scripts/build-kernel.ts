/**
 * Build step: the SIMD kernel's WebAssembly, assembled from core/ec/kernel-simd.wat into
 * dist/core/ec/kernel-simd.wasm, where the compiled kernel reads it. Run by `npm run build`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assembleSimdKernel } from '../core/ec/kernel-simd-assemble.ts';

const target = fileURLToPath(new URL('../dist/core/ec/kernel-simd.wasm', import.meta.url));
const binary = await assembleSimdKernel();
if (!WebAssembly.validate(binary)) throw new Error('kernel-simd.wat assembled into an invalid module');
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, binary);
