import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dhtHash, dmHash } from '../../core/dht/hash.ts';

// Vectors verified against file placement on a live volume (brick-layout.md §5.2).
test('DM hash matches GlusterFS placement', () => {
  const vectors: Array<[string, number]> = [
    ['file1', 0xa787fa82], ['dir1', 0x7e4d63a8], ['a', 0x3a17e4e6], ['123456789abcdef0', 0xd5b40e57], ['é', 0x65cfcaa1],
  ];
  for (const [name, hash] of vectors) assert.equal(dhtHash(Buffer.from(name)), hash, name);
});

test('high bytes are sign-extended as C char', () => {
  assert.notEqual(dmHash(Buffer.from('é')), 0xbff26769);
});

test('rsync temp names hash as their final name', () => {
  assert.equal(dhtHash(Buffer.from('.hidden.txt.AbC123')), 0xfcdd1b3c);
  assert.equal(dhtHash(Buffer.from('.hidden.txt.AbC123')), dmHash(Buffer.from('hidden.txt')));
  for (const plain of ['.a', '..b', '.x.', 'no.dot.prefix']) assert.equal(dhtHash(Buffer.from(plain)), dmHash(Buffer.from(plain)), plain);
});
