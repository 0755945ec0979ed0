/**
 * What users run is dist/ (bin/gfsck.cjs), not the sources the other tests import: the build
 * must carry the SIMD kernel's .wat and start its worker threads from compiled files.
 * `npm test` builds first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dist = (path: string) => new URL(`../dist/${path}`, import.meta.url);

test('the compiled codec loads the SIMD kernel and runs worker threads', () => {
  const script = `
    const { loadKernel } = await import(${JSON.stringify(dist('core/ec/kernel.js').href)});
    const { createCodec } = await import(${JSON.stringify(dist('core/ec/codec.js').href)});
    const { EcWorkerPool, allocateShared } = await import(${JSON.stringify(dist('core/ec/parallel.js').href)});
    const kernel = await loadKernel('simd');
    const codec = createCodec(4, 2, { kernel });
    const data = allocateShared(16 << 20).fill(7);
    const fragments = codec.encode(data).map((f) => allocateShared(f.length).fill(0).map((_, i) => f[i]));
    const out = allocateShared(data.length);
    const pool = new EcWorkerPool(2);
    await pool.decodeStripes(4, 2, [2, 3, 4, 5], fragments.slice(2), out);
    await pool.close();
    console.log(kernel.name, Buffer.compare(Buffer.from(out), Buffer.from(data)));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: fileURLToPath(dist('')) });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'simd 0');
});
