/**
 * rebuild --out on synthetic brick sets with real encoded content: damage is placed exactly
 * (truncated fragments, malformed xattrs, flipped bytes, a crash past ec.size, hostile
 * output directories), and the CLI is run as a user would run it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SyntheticVolume } from '../support/synthetic-volume.ts';
import { gfsck, assertOneLineError } from '../support/cli.ts';
import { gfid2pathKey, gfid2pathValue } from '../../core/xattr/gfid2path.ts';
import { ROOT_GFID } from '../../core/gfid-tree/gfid.ts';
import { createCodec } from '../../core/ec/codec.ts';
import { randomBytes, scratch, setOn, sha256, u64, writeEncoded } from './encoded-volume.ts';

const work = scratch('rebuild');
chmodSync(work.dir, 0o755);
test.after(() => work.cleanup());

let counter = 0;
/** A fresh output path (not created: rebuild creates it). */
const outDir = (): string => join(work.dir, `out-${counter++}`);

interface Run {
  status: number | null;
  entries: Array<Record<string, any>>;
  summary: Record<string, any>;
  stderr: string;
}

function rebuild(args: string[]): Run {
  const r = gfsck(['rebuild', '--json', ...args]);
  const lines = r.stdout.trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return { status: r.status, entries: lines.filter((l) => l.kind === 'entry'), summary: lines.find((l) => l.kind === 'summary'), stderr: r.stderr };
}

const entry = (run: Run, path: string) => {
  const e = run.entries.find((x) => x.path === path);
  assert.ok(e, `no report for ${path}: ${JSON.stringify(run.entries)}`);
  return e;
};

/** A 2+1 volume: a directory, two files with real content, a hard link and a symlink. */
function smallVolume(name: string): { vol: SyntheticVolume; data: Record<string, Buffer> } {
  const vol = new SyntheticVolume(join(work.dir, name), 2, 1, name);
  vol.mkdir('/dir');
  const data = { '/dir/a': randomBytes(`${name}/a`, 70_000), '/dir/b': randomBytes(`${name}/b`, 1500) };
  for (const [path, bytes] of Object.entries(data)) writeEncoded(vol, path, bytes);
  vol.hardlink('/dir/a', '/dir/a-link');
  vol.symlink('/dir/to-b', 'b');
  return { vol, data };
}

test('a whole volume: content, hard links, symlinks, modes; exit 0', () => {
  const { vol, data } = smallVolume('whole');
  const out = outDir();
  const run = rebuild(['--out', out, ...vol.bricks]);
  assert.equal(run.status, 0, run.stderr);
  for (const [path, bytes] of Object.entries(data)) assert.equal(sha256(readFileSync(join(out, path))), sha256(bytes));
  assert.equal(lstatSync(join(out, '/dir/a')).ino, lstatSync(join(out, '/dir/a-link')).ino);
  assert.equal(entry(run, '/dir/a-link').linkOf, '/dir/a');
  assert.equal(readlinkSync(join(out, '/dir/to-b')), 'b');
  assert.deepEqual(run.summary.failed, 0);
  assert.equal(run.summary.scanned, true);
});

test('a non-empty output directory is refused unless --force: exit 16, one line', () => {
  const { vol } = smallVolume('nonempty');
  const out = outDir();
  mkdirSync(out);
  writeFileSync(join(out, 'keep'), 'mine');
  const r = gfsck(['rebuild', '--out', out, ...vol.bricks]);
  assert.equal(r.status, 16);
  assertOneLineError(r.stderr, /not empty \(use --force/);
  assert.equal(rebuild(['--out', out, '--force', ...vol.bricks]).status, 0);
  assert.equal(readFileSync(join(out, 'keep'), 'utf8'), 'mine');
});

test('symlinks planted in the output directory are never followed', () => {
  const { vol, data } = smallVolume('hostile');
  const out = outDir();
  const elsewhere = join(work.dir, 'elsewhere');
  mkdirSync(elsewhere);
  mkdirSync(out);
  // Where the volume has the directory /dir, DIR holds a symlink to outside: it is replaced, never followed.
  symlinkSync(elsewhere, join(out, 'dir'));
  const run = rebuild(['--out', out, '--force', ...vol.bricks]);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(readdirSync(elsewhere), []);
  assert.equal(lstatSync(join(out, 'dir')).isDirectory(), true);
  assert.equal(sha256(readFileSync(join(out, 'dir', 'a'))), sha256(data['/dir/a']!));

  // A directory where the volume has a file is never removed: that entry fails.
  const out1 = outDir();
  mkdirSync(join(out1, 'dir', 'b'), { recursive: true });
  writeFileSync(join(out1, 'dir', 'b', 'mine'), 'mine');
  const refused = rebuild(['--out', out1, '--force', ...vol.bricks]);
  assert.equal(refused.status, 4);
  assert.match(entry(refused, '/dir/b').reason, /already exists in the output as a directory/);
  assert.equal(readFileSync(join(out1, 'dir', 'b', 'mine'), 'utf8'), 'mine');

  // A symlink where a file goes is replaced (with --force), its target untouched.
  const out2 = outDir();
  mkdirSync(join(out2, 'dir'), { recursive: true });
  const victim = join(work.dir, 'victim');
  writeFileSync(victim, 'precious');
  symlinkSync(victim, join(out2, 'dir', 'b'));
  const run2 = rebuild(['--out', out2, '--force', ...vol.bricks]);
  assert.equal(run2.status, 0, JSON.stringify(run2.entries));
  assert.equal(readFileSync(victim, 'utf8'), 'precious');
  assert.equal(lstatSync(join(out2, 'dir', 'b')).isFile(), true);
  assert.equal(sha256(readFileSync(join(out2, 'dir', 'b'))), sha256(data['/dir/b']!));
});

test('names from gfid2path that would climb out of DIR are ignored', () => {
  const { vol, data } = smallVolume('gfid2path');
  const gfid = vol.gfidOf('/dir/b');
  for (const bad of ['..', '.']) {
    const value = gfid2pathValue(ROOT_GFID, Buffer.from(bad));
    setOn(vol, [0, 1, 2], '/dir/b', gfid2pathKey(value), value);
  }
  const parent = join(work.dir, 'g2p-parent');
  mkdirSync(parent);
  const out = join(parent, 'out');
  const run = rebuild(['--out', out, '--gfid', gfid, '--layout', 'disperse:2+1', ...vol.bricks]);
  assert.equal(run.status, 0, run.stderr + JSON.stringify(run.entries));
  assert.deepEqual(readdirSync(parent), ['out']);
  assert.deepEqual(run.entries.map((e) => e.path).sort(), ['/dir', '/dir/b']);
  assert.equal(sha256(readFileSync(join(out, 'dir', 'b'))), sha256(data['/dir/b']!));
});

test('a truncated fragment is left out; two are a per-file failure (exit 4), not a crash', () => {
  const { vol, data } = smallVolume('truncated');
  truncateSync(join(vol.bricks[1]!, '/dir/a'), 4096);
  const out = outDir();
  const run = rebuild(['--out', out, ...vol.bricks]);
  assert.equal(run.status, 0, run.stderr);
  const a = entry(run, '/dir/a');
  assert.deepEqual(a.sources, [0, 2]);
  assert.match(a.excluded.find((x: any) => x.brick === 1).reason, /truncated fragment: 4096 bytes/);
  assert.equal(sha256(readFileSync(join(out, '/dir/a'))), sha256(data['/dir/a']!));

  truncateSync(join(vol.bricks[2]!, '/dir/a'), 1000);
  const out2 = outDir();
  const run2 = rebuild(['--out', out2, ...vol.bricks]);
  assert.equal(run2.status, 4);
  const failed = entry(run2, '/dir/a');
  assert.equal(failed.status, 'failed');
  assert.match(failed.reason, /fewer than K=2 usable fragments/);
  assert.equal(existsSync(join(out2, '/dir/a')), false);
  // Its hard link fails with it; the rest of the volume is recovered.
  assert.equal(entry(run2, '/dir/a-link').status, 'failed');
  assert.equal(entry(run2, '/dir/b').status, 'recovered');
});

test('wrong-length EC xattrs exclude that brick and are named in the report', () => {
  const { vol, data } = smallVolume('xattr-length');
  setOn(vol, [0], '/dir/b', 'trusted.ec.size', Buffer.from([0, 0, 5, 0xdc, 0]));
  setOn(vol, [2], '/dir/b', 'trusted.ec.version', Buffer.alloc(12));
  const out = outDir();
  const run = rebuild(['--out', out, ...vol.bricks]);
  const b = entry(run, '/dir/b');
  assert.equal(b.status, 'failed');
  assert.equal(run.status, 4);
  const reasons = Object.fromEntries(b.excluded.map((x: any) => [x.brick, x.reason]));
  assert.match(reasons[0], /trusted\.ec\.size is malformed: expected 8 bytes, found 5/);
  assert.match(reasons[2], /trusted\.ec\.version is malformed: expected 16 bytes, found 12/);

  setOn(vol, [2], '/dir/b', 'trusted.ec.version', Buffer.concat([u64(1), u64(1)]));
  const run2 = rebuild(['--out', outDir(), ...vol.bricks]);
  assert.equal(run2.status, 0);
  assert.deepEqual(entry(run2, '/dir/b').sources, [1, 2]);
  assert.equal(sha256(readFileSync(join(run2.summary.out, '/dir/b'))), sha256(data['/dir/b']!));
});

test('bitrot on 4+2 is found by verify, pinned on its brick and left out', () => {
  const vol = new SyntheticVolume(join(work.dir, 'bitrot42'), 4, 2, 'bitrot42');
  const data = randomBytes('bitrot42', 3 * 1024 * 1024 + 777);
  writeEncoded(vol, '/big', data);
  const file = join(vol.bricks[3]!, '/big');
  const fragment = readFileSync(file);
  for (const at of [5000, 400_000]) fragment[at] ^= 0x5a;
  writeFileSync(file, fragment);
  const out = outDir();
  const run = rebuild(['--out', out, ...vol.bricks]);
  assert.equal(run.status, 0, run.stderr);
  const big = entry(run, '/big');
  assert.equal(sha256(readFileSync(join(out, 'big'))), sha256(data));
  assert.deepEqual(big.sources, [0, 1, 2, 4, 5]);
  assert.match(big.excluded.find((x: any) => x.brick === 3).reason, /bitrot: its fragment disagrees with the others in 2 stripe\(s\) from fragment byte 4608/);
});

test('bitrot with only one spare fragment is reported as undecidable (partial, exit 4)', () => {
  const vol = new SyntheticVolume(join(work.dir, 'bitrot21'), 2, 1, 'bitrot21');
  writeEncoded(vol, '/f', randomBytes('bitrot21', 10_000));
  const file = join(vol.bricks[0]!, '/f');
  const fragment = readFileSync(file);
  fragment[1100] ^= 1;
  writeFileSync(file, fragment);
  const run = rebuild(['--out', outDir(), ...vol.bricks]);
  assert.equal(run.status, 4);
  const f = entry(run, '/f');
  assert.equal(f.status, 'partial');
  assert.match(f.reason, /fragments disagree in stripes 2 and there is not enough redundancy to tell which brick is wrong/);
});

test('a crash past ec.size: ec.size bytes by default, everything with --trust-fragments', () => {
  const vol = new SyntheticVolume(join(work.dir, 'crash'), 2, 1, 'crash');
  const written = randomBytes('crash', 10_000);
  const gfid = writeEncoded(vol, '/f', written);
  // The client died after writing 10000 bytes but before recording more than 3000.
  setOn(vol, [0, 1, 2], '/f', 'trusted.ec.size', u64(3000));
  setOn(vol, [0, 1, 2], '/f', 'trusted.ec.dirty', Buffer.concat([u64(1), u64(1)]));
  const byDefault = rebuild(['--out', outDir(), ...vol.bricks]);
  assert.equal(byDefault.status, 0);
  const f = entry(byDefault, '/f');
  assert.equal(f.size, 3000);
  assert.match(f.notes.join(' '), /GlusterFS cannot heal this file.*--trust-fragments recovers 10240/);
  assert.equal(sha256(readFileSync(join(byDefault.summary.out, 'f'))), sha256(written.subarray(0, 3000)));

  const trusted = rebuild(['--out', outDir(), '--trust-fragments', '--gfid', gfid, ...vol.bricks]);
  assert.equal(trusted.status, 0);
  assert.equal(entry(trusted, '/f').size, 10240);
  // The decoded length keeps the zero padding of the last stripe: nothing says where the data ended.
  const recovered = readFileSync(join(trusted.summary.out, 'f'));
  assert.equal(sha256(recovered), sha256(Buffer.concat([written, Buffer.alloc(240)])));
});

test('--only and --gfid recover single files without a scan', () => {
  const { vol, data } = smallVolume('only');
  const out = outDir();
  const run = rebuild(['--out', out, '--only', '/dir/b', ...vol.bricks]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.summary.scanned, false);
  assert.deepEqual(run.entries.map((e) => e.path), ['/dir/b', '/dir']);
  assert.deepEqual(readdirSync(join(out, 'dir')), ['b']);
  assert.equal(sha256(readFileSync(join(out, 'dir', 'b'))), sha256(data['/dir/b']!));

  // --gfid brings every name of the inode, as hard links.
  const out2 = outDir();
  const run2 = rebuild(['--out', out2, '--gfid', vol.gfidOf('/dir/a'), ...vol.bricks]);
  assert.equal(run2.status, 0, run2.stderr);
  assert.deepEqual(readdirSync(join(out2, 'dir')).sort(), ['a', 'a-link']);
  assert.equal(lstatSync(join(out2, 'dir', 'a')).ino, lstatSync(join(out2, 'dir', 'a-link')).ino);

  // A directory target takes the catalog route and brings its subtree.
  const run3 = rebuild(['--out', outDir(), '--only', '/dir', ...vol.bricks]);
  assert.equal(run3.summary.scanned, true);
  assert.equal(run3.summary.recovered, 5);
  const missing = rebuild(['--out', outDir(), '--only', '/dir/nope', '--layout', 'disperse:2+1', ...vol.bricks]);
  assert.equal(missing.status, 4);
  assert.match(entry(missing, '/dir/nope').reason, /not found on any brick/);
});

test('usage and operational errors: one line, exit 16 or 8', () => {
  const { vol } = smallVolume('errors');
  const usage = [
    [['rebuild', ...vol.bricks], /exactly one of --out DIR, --handles/],
    [['rebuild', '--out', outDir(), '--gfid', 'not-a-gfid', ...vol.bricks], /--gfid not-a-gfid: not a gfid/],
    [['rebuild', '--out', outDir(), '--only', '/a/../../etc', ...vol.bricks], /--only \/a\/\.\.\/\.\.\/etc: unsafe path component/],
    [['rebuild', '--out', vol.bricks[0]!, ...vol.bricks], /overlaps brick/],
    [['rebuild', '--out', outDir(), '--only', '/.glusterfs/00/00', ...vol.bricks], /GlusterFS's own, not user data/],
    [['rebuild', '--out', outDir(), '--jobs', '0', ...vol.bricks], /--jobs takes a positive whole number/],
  ] as const;
  for (const [args, pattern] of usage) {
    const r = gfsck([...args]);
    assert.equal(r.status, 16, `${args.join(' ')}: ${r.stderr}`);
    assertOneLineError(r.stderr, pattern);
  }
  const missingBrick = gfsck(['rebuild', '--out', outDir(), join(work.dir, 'no-such-brick')]);
  assert.equal(missingBrick.status, 8);
  assertOneLineError(missingBrick.stderr, /no-such-brick: no such directory/);
  const unknownGfid = gfsck(['rebuild', '--out', outDir(), '--gfid', '11111111-2222-4333-8444-555555555555', '--layout', 'disperse:2+1', ...vol.bricks]);
  assert.equal(unknownGfid.status, 8);
  assertOneLineError(unknownGfid.stderr, /no name of this gfid was found/);
});

test('the decoder really reads what it says: a sparse file stays sparse', () => {
  const vol = new SyntheticVolume(join(work.dir, 'sparse'), 2, 1, 'sparse');
  const size = 8 * 1024 * 1024;
  const data = Buffer.alloc(size);
  randomBytes('head', 5000).copy(data, 0);
  randomBytes('tail', 3000).copy(data, size - 3000);
  writeEncoded(vol, '/holey', data);
  // Brick files are written dense here; the output must still leave the zero stripes unallocated.
  const out = outDir();
  assert.equal(rebuild(['--out', out, ...vol.bricks]).status, 0);
  const st = lstatSync(join(out, 'holey'));
  assert.equal(st.size, size);
  assert.ok(st.blocks * 512 <= 64 * 1024, `allocated ${st.blocks * 512} bytes`);
  assert.equal(sha256(readFileSync(join(out, 'holey'))), sha256(data));
  assert.equal(createCodec(2, 1).k, 2);
});

test('--db keeps the catalog, and a later run answers from it without rescanning', () => {
  const { vol, data } = smallVolume('db');
  const db = join(work.dir, 'catalog.sqlite');
  assert.equal(rebuild(['--out', outDir(), '--db', db, ...vol.bricks]).status, 0);
  const fromCatalog = rebuild(['--out', outDir(), '--db', db, '--only', '/dir/b', ...vol.bricks]);
  assert.equal(fromCatalog.status, 0);
  assert.equal(fromCatalog.summary.scanned, true);
  assert.equal(sha256(readFileSync(join(fromCatalog.summary.out, 'dir', 'b'))), sha256(data['/dir/b']!));
  // A file added to the bricks since is not in the reused catalog: the docs say to use a new file.
  writeEncoded(vol, '/dir/c', randomBytes('db/c', 10));
  assert.match(entry(rebuild(['--out', outDir(), '--db', db, '--only', '/dir/c', ...vol.bricks]), '/dir/c').reason, /not found/);
});
