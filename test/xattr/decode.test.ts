import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeXattr } from '../../core/xattr/decode.ts';
import { gfid2pathKey, gfid2pathValue, isGfid2pathValueOf } from '../../core/xattr/gfid2path.ts';

const hex = (h: string) => Buffer.from(h.replace(/\s/g, ''), 'hex');

// Values recorded on a live GlusterFS 10.3 (brick-layout.md §4, ec-format.md §6).
test('trusted.gfid decodes to the canonical text form', () => {
  assert.deepEqual(decodeXattr('trusted.gfid', hex('035e31faeb0a431a8d46876f553b518d')),
    { kind: 'gfid', gfid: '035e31fa-eb0a-431a-8d46-876f553b518d' });
});

test('gfid2path: a value is recognised as its parent and name, byte for byte', () => {
  const parent = '00000000-0000-0000-0000-000000000001';
  const name = Buffer.from([0x66, 0xff, 0x0a]); // non-UTF-8, with a newline
  assert.ok(isGfid2pathValueOf(gfid2pathValue(parent, name), parent, name));
  assert.ok(!isGfid2pathValueOf(gfid2pathValue(parent, name), parent, Buffer.from('f')));
  assert.ok(!isGfid2pathValueOf(gfid2pathValue(parent, name), '00000000-0000-0000-0000-000000000002', name));
  assert.ok(!isGfid2pathValueOf(Buffer.concat([Buffer.from(parent), Buffer.from('x'), name]), parent, name));
});

test('gfid2path: key is XXH64 of the value, seed 0', () => {
  const value = Buffer.from('00000000-0000-0000-0000-000000000001/file1');
  assert.equal(gfid2pathKey(value), 'trusted.gfid2path.d16e15bafe6e4256');
  assert.equal(gfid2pathKey(gfid2pathValue('00000000-0000-0000-0000-000000000001', Buffer.from('hardlink1'))),
    'trusted.gfid2path.424bb7975f095ed2');
  const d = decodeXattr('trusted.gfid2path.d16e15bafe6e4256', value);
  assert.equal(d.kind, 'gfid2path');
  assert.ok(d.kind === 'gfid2path' && d.keyMatches && d.name.toString() === 'file1');
  const wrong = decodeXattr('trusted.gfid2path.0000000000000000', value);
  assert.ok(wrong.kind === 'gfid2path' && !wrong.keyMatches && wrong.expectedKey === 'trusted.gfid2path.d16e15bafe6e4256');
});

test('mdata: ctime, mtime, atime in that order', () => {
  const d = decodeXattr('trusted.glusterfs.mdata', hex(
    '01 0000000000000000 000000006b012ce9 000000001908246b 000000006b012ce9 0000000014aae9d5 000000006b012ce9 0000000014970891'));
  assert.ok(d.kind === 'mdata');
  assert.equal(d.mdata.ctime.sec, 1795239145n);
  assert.equal(d.mdata.ctime.nsec, 419964011n);
  assert.equal(d.mdata.mtime.nsec, 346745301n);
  assert.equal(d.mdata.atime.nsec, 345442449n);
});

test('dht layout, mds, commithash and linkto', () => {
  assert.deepEqual(decodeXattr('trusted.glusterfs.dht', hex('00000001 00000000 7fffffff ffffffff')),
    { kind: 'dht-layout', commit: 1, hashType: 0, start: 0x7fffffff, stop: 0xffffffff });
  assert.deepEqual(decodeXattr('trusted.glusterfs.dht.mds', hex('00000000')), { kind: 'dht-mds', value: 0 });
  assert.deepEqual(decodeXattr('trusted.glusterfs.dht.commithash', hex('0000002a')), { kind: 'dht-commithash', value: 42 });
  assert.deepEqual(decodeXattr('trusted.glusterfs.dht.linkto', hex('6464766f6c2d64697370657273652d3100')),
    { kind: 'dht-linkto', subvolume: 'ddvol-disperse-1' });
  assert.equal(decodeXattr('trusted.glusterfs.dht.linkto', Buffer.from('no-nul')).kind, 'malformed');
});

test('afr pending and dirty counters are signed, per client', () => {
  assert.deepEqual(decodeXattr('trusted.afr.repvol-client-2', hex('000000010000000000000000')),
    { kind: 'afr-pending', volume: 'repvol', client: 2, counters: { data: 1, metadata: 0, entry: 0 } });
  assert.deepEqual(decodeXattr('trusted.afr.dirty', hex('ffffffff0000000000000002')),
    { kind: 'afr-dirty', counters: { data: -1, metadata: 0, entry: 2 } });
});

test('ec config, size, version (heal bit 62, legacy 8-byte form) and dirty', () => {
  assert.deepEqual(decodeXattr('trusted.ec.config', hex('0000080301000200')),
    { kind: 'ec-config', config: { version: 0, algorithm: 0, wordSize: 8, bricks: 3, redundancy: 1, chunkSize: 512 } });
  assert.deepEqual(decodeXattr('trusted.ec.size', hex('0000000016540000')), { kind: 'ec-size', size: 374603776n });
  const healing = decodeXattr('trusted.ec.version', hex('4000000000000002 0000000000000002'));
  assert.ok(healing.kind === 'ec-version' && healing.healing && healing.metadata === 2n);
  const legacy = decodeXattr('trusted.ec.version', hex('0000000000000007'));
  assert.ok(legacy.kind === 'ec-version' && legacy.legacy && legacy.data === 7n && legacy.metadata === 7n && !legacy.healing);
  assert.deepEqual(decodeXattr('trusted.ec.dirty', hex('0000000000000002 0000000000000002')), { kind: 'ec-dirty', data: 2n, metadata: 2n });
});

test('shard block-size and file-size, pgfid, volume-id', () => {
  assert.deepEqual(decodeXattr('trusted.glusterfs.shard.block-size', hex('0000000000400000')), { kind: 'shard-block-size', blockSize: 4194304n });
  assert.deepEqual(decodeXattr('trusted.glusterfs.shard.file-size', hex('0000000000d00000 0000000000000000 0000000000006800 0000000000000000')),
    { kind: 'shard-file-size', size: 13631488n, blocks: 26624n });
  assert.deepEqual(decodeXattr('trusted.pgfid.00000000-0000-0000-0000-000000000001', hex('00000002')),
    { kind: 'pgfid', parentGfid: '00000000-0000-0000-0000-000000000001', links: 2 });
  assert.deepEqual(decodeXattr('trusted.glusterfs.volume-id', hex('a12f7694d55e40c58c174a6c20dc8ec2')),
    { kind: 'volume-id', gfid: 'a12f7694-d55e-40c5-8c17-4a6c20dc8ec2' });
});

test('wrong lengths and shapes are malformed, never a crash', () => {
  for (const [name, value] of [
    ['trusted.gfid', hex('0102')], ['trusted.gfid', Buffer.alloc(16)], ['trusted.ec.size', hex('00000000000000')],
    ['trusted.ec.version', hex('00')], ['trusted.glusterfs.mdata', Buffer.alloc(56)], ['trusted.afr.vol-client-0', hex('00')],
    ['trusted.gfid2path.d16e15bafe6e4256', Buffer.from('not a path')], ['trusted.gfid2path.XYZ', Buffer.from('x')],
    ['trusted.glusterfs.shard.file-size', Buffer.alloc(8)], ['trusted.pgfid.00000000-0000-0000-0000-000000000001', Buffer.alloc(3)],
  ] as const) {
    assert.equal(decodeXattr(name, value).kind, 'malformed', name);
  }
  assert.equal(decodeXattr('user.comment', Buffer.from('hello')).kind, 'raw');
});

test('the catalog\'s xattrs column keeps the raw bytes and decodes back to the JSON-safe view', async () => {
  const { decodedToJson } = await import('../../core/xattr/decode.ts');
  const { summarizeXattrs } = await import('../../core/brick/entry.ts');
  const { parseXattrJson } = await import('../../core/index/xattr-column.ts');
  const samples: Array<[string, string]> = [
    ['trusted.gfid', '035e31faeb0a431a8d46876f553b518d'], ['trusted.glusterfs.volume-id', 'a12f7694d55e40c58c174a6c20dc8ec2'],
    ['trusted.gfid2path.d16e15bafe6e4256', Buffer.from('00000000-0000-0000-0000-000000000001/fi"le\\1').toString('hex')],
    ['trusted.glusterfs.mdata', '01' + '00'.repeat(8) + '000000006b012ce9000000001908246b'.repeat(3)],
    ['trusted.glusterfs.dht', '000000010000000000000000ffffffff'], ['trusted.glusterfs.dht.mds', '00000000'],
    ['trusted.glusterfs.dht.commithash', '0000002a'], ['trusted.glusterfs.dht.linkto', '6464766f6c2d64697370657273652d3100'],
    ['trusted.afr.vol"x-client-2', '000000010000000000000000'], ['trusted.afr.dirty', 'ffffffff0000000000000002'],
    ['trusted.ec.config', '0000080301000200'], ['trusted.ec.size', '0000000016540000'],
    ['trusted.ec.version', '40000000000000020000000000000002'], ['trusted.ec.dirty', '00000000000000020000000000000002'],
    ['trusted.glusterfs.shard.block-size', '0000000000400000'],
    ['trusted.glusterfs.shard.file-size', '0000000000d00000000000000000000000000000000068000000000000000000'],
    ['trusted.pgfid.00000000-0000-0000-0000-000000000001', '00000002'], ['trusted.ec.size', '00'], ['user.x', '41'],
  ];
  for (const [name, hex] of samples) {
    const value = Buffer.from(hex, 'hex');
    const column = summarizeXattrs([[name, value]]).json;
    assert.deepEqual(JSON.parse(column), { [name]: hex }, name);
    assert.deepEqual(parseXattrJson(column), { [name]: decodedToJson(decodeXattr(name, value)) }, name);
  }
});

test('the xattrs column is JSON whatever the names: quotes, backslashes, control and high bytes', async () => {
  const { xattrColumn } = await import('../../core/index/xattr-column.ts');
  const names = ['trusted.gfid', 'user.a"b', 'user.back\\slash', 'user.tab\tnl\n', 'user.\x7f\x80\xff', 'user.'];
  const xattrs = names.map((name, i) => [name, Buffer.from([i, 0xff])] as const);
  const column = xattrColumn(xattrs);
  assert.deepEqual(JSON.parse(column), Object.fromEntries(names.map((name, i) => [name, Buffer.from([i, 0xff]).toString('hex')])));
  assert.equal(column, JSON.stringify(Object.fromEntries(xattrs.map(([name, value]) => [name, value.toString('hex')]))));
  assert.equal(xattrColumn([]), '{}');
});
