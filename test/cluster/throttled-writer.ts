/**
 * Child process for the "client killed during a large write" scenario: writes
 * patternBytes(seed) to FILE in CHUNK-byte pieces, one every INTERVAL ms, and prints the
 * number of bytes written after each piece. It stops at LIMIT bytes, or dies with the
 * FUSE client (the next write fails with ENOTCONN).
 *
 *   node --import tsx test/cluster/throttled-writer.ts FILE SEED CHUNK INTERVAL LIMIT
 */
import { open } from 'node:fs/promises';
import { patternBytes } from './content.ts';
import { sleep } from './exec.ts';

const [file, seed, chunk, interval, limit] = process.argv.slice(2);
if (!file || !seed || !chunk || !interval || !limit) throw new Error('usage: throttled-writer.ts FILE SEED CHUNK INTERVAL LIMIT');
const fh = await open(file, 'w');
for (let offset = 0; offset < Number(limit); offset += Number(chunk)) {
  await fh.write(patternBytes(seed, offset, Number(chunk)), 0, Number(chunk), offset);
  process.stdout.write(`${offset + Number(chunk)}\n`);
  await sleep(Number(interval));
}
await fh.close();
