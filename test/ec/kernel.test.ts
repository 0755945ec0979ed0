/**
 * Kernel selection: GFSCK_EC_KERNEL forces an implementation, SIMD is the default here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defaultKernel, kernelFromEnvironment, loadKernel } from '../../core/ec/kernel.ts';
import { createCodec } from '../../core/ec/codec.ts';

const kernelModule = fileURLToPath(new URL('../../core/ec/kernel.ts', import.meta.url));

/** The default kernel a fresh process picks with GFSCK_EC_KERNEL set to `forced`. */
function defaultKernelWith(forced: string): string {
  const script = `import(${JSON.stringify(kernelModule)}).then((m) => console.log(m.defaultKernel.name))`;
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, GFSCK_EC_KERNEL: forced },
    encoding: 'utf8',
  }).trim();
}

describe('kernel selection', () => {
  it('reads GFSCK_EC_KERNEL', () => {
    assert.equal(kernelFromEnvironment({}), undefined);
    assert.equal(kernelFromEnvironment({ GFSCK_EC_KERNEL: '' }), undefined);
    assert.equal(kernelFromEnvironment({ GFSCK_EC_KERNEL: 'fallback' }), 'fallback');
    assert.equal(kernelFromEnvironment({ GFSCK_EC_KERNEL: 'simd' }), 'simd');
    assert.throws(() => kernelFromEnvironment({ GFSCK_EC_KERNEL: 'avx' }), /one of simd, fallback/);
  });

  it('loads the kernel asked for', async () => {
    assert.equal((await loadKernel('fallback')).name, 'fallback');
    assert.equal((await loadKernel('simd')).name, 'simd');
  });

  it('defaults to SIMD on Node 20, unless forced', () => {
    if (process.env.GFSCK_EC_KERNEL === undefined) assert.equal(defaultKernel.name, 'simd');
    assert.equal(createCodec(2, 1).kernel, defaultKernel.name);
    assert.equal(defaultKernelWith('fallback'), 'fallback');
    assert.equal(defaultKernelWith('simd'), 'simd');
  });
});
