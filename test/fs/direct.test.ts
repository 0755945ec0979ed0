import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants } from 'node:fs';
import { DirectReader, allocateAligned } from '../../core/fs/direct.ts';

const content = randomBytes(64 * 1024);

async function readBack(dir: string): Promise<void> {
  const file = join(dir, 'fragment');
  writeFileSync(file, content);
  const reader = await DirectReader.open(file, constants.O_RDONLY);
  try {
    const aligned = allocateAligned(8192);
    assert.equal(await reader.read(aligned, 0, 8192, 4096), 8192);
    assert.deepEqual(Buffer.from(aligned), content.subarray(4096, 12288));
    // Unaligned for O_DIRECT (offset 100 into the buffer, odd length): served through the cache.
    const plain = new Uint8Array(1000);
    assert.equal(await reader.read(plain, 100, 777, 12345), 777);
    assert.deepEqual(Buffer.from(plain.subarray(100, 877)), content.subarray(12345, 13122));
  } finally {
    await reader.close();
  }
}

test('reads the same bytes with O_DIRECT, and through the cache where O_DIRECT refuses', async () => {
  for (const base of [tmpdir(), '/dev/shm']) { // a disk filesystem, and tmpfs, which refuses O_DIRECT
    const dir = mkdtempSync(join(base, 'gfsck-direct-'));
    try {
      await readBack(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('aligned buffers start zeroed (their alignment is what lets the O_DIRECT read above succeed)', () => {
  const b = allocateAligned(10_000);
  assert.equal(b.length, 10_000);
  assert.ok(b.every((x) => x === 0));
});
