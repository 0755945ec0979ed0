/**
 * `gfsck gfid` on a synthetic 2+1 set: every ID form, hard links, directories through
 * the handle chain, disagreeing bricks, an orphan, heal info on stdin, the same answers
 * from a catalog, and proof that a live lookup never lists a directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readdirSync, rmSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyntheticVolume } from '../support/synthetic-volume.ts';
import { gfsck, assertOneLineError } from '../support/cli.ts';
import { setXattr } from '../../core/fs/xattr.ts';
import { ROOT_GFID, gfidToBytes } from '../../core/gfid-tree/gfid.ts';
import { parseHealInfo } from '../../core/gfid-tree/query.ts';

const root = mkdtempSync(join(tmpdir(), 'gfsck-gfid-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const v = new SyntheticVolume(join(root, 'vol'), 2, 1);
v.mkdir('/a');
v.mkdir('/a/b');
v.file('/a/b/f', 3000);
v.hardlink('/a/b/f', '/a/f2');
v.symlink('/a/link', 'b/f');
v.file('/a/odd', 10);
v.file('/a/line\nbreak', 5);
v.file('/a/gone', 700);
const OTHER = '11111111-2222-4333-8444-555555555555';
setXattr(join(v.bricks[2]!, 'a/odd'), 'trusted.gfid', gfidToBytes(OTHER));
for (const b of v.bricks) unlinkSync(join(b, 'a/gone')); // its handles are now orphans

interface Line { type: string; id: string; resolved: boolean; reason: string | null; paths?: string[]; path?: string; gfid?: string; agree?: boolean; [k: string]: unknown }

function gfidJson(args: string[], input?: string): { status: number | null; lines: Line[]; stderr: string } {
  const r = gfsck(['gfid', '--json', ...args], { input });
  return { status: r.status, lines: r.stdout.trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line), stderr: r.stderr };
}

test('a file gfid gives every hard link, its type and its size as clients see it, on every brick', () => {
  const { status, lines } = gfidJson([...v.bricks, v.gfidOf('/a/b/f')]);
  assert.equal(status, 0);
  const [answer, summary] = lines as [Line, Line];
  assert.deepEqual(answer.paths, ['/a/b/f', '/a/f2']);
  assert.equal(answer.fileType, 'file');
  assert.equal(answer.size, 3000);
  assert.deepEqual(answer.on, v.bricks);
  assert.deepEqual(summary, { type: 'summary', bricks: v.bricks, ids: 1, resolved: 1, unresolved: [] });
});

test('directories resolve through the handle chain; every gfid spelling works; the root is /', () => {
  const dir = v.gfidOf('/a/b');
  const { status, lines } = gfidJson([...v.bricks, dir, dir.replace(/-/g, '').toUpperCase(), `<gfid:${dir}>`, ROOT_GFID, v.gfidOf('/a/link')]);
  assert.equal(status, 0);
  assert.deepEqual(lines.slice(0, 5).map((l) => [l.paths, l.fileType]),
    [[['/a/b'], 'dir'], [['/a/b'], 'dir'], [['/a/b'], 'dir'], [['/'], 'dir'], [['/a/link'], 'symlink']]);
});

test('a path gives its gfid on each brick and flags bricks that disagree', () => {
  const { status, lines } = gfidJson([...v.bricks, '/a/b/f', '/a/odd', `<gfid:${v.gfidOf('/a')}>/f2`]);
  assert.equal(status, 0);
  const [f, odd, named] = lines as [Line, Line, Line];
  assert.equal(f.gfid, v.gfidOf('/a/b/f'));
  assert.equal(f.agree, true);
  assert.equal(odd.agree, false);
  assert.equal(odd.gfid, v.gfidOf('/a/odd'), 'the gfid most bricks carry');
  assert.deepEqual((odd.bricks as Array<{ gfid: string }>).map((b) => b.gfid), [v.gfidOf('/a/odd'), v.gfidOf('/a/odd'), OTHER]);
  assert.equal(named.path, '/a/f2');
  assert.equal(named.gfid, v.gfidOf('/a/b/f'));
});

test('text output escapes byte names, and an escaped name is accepted back as an ID', () => {
  const r = gfsck(['gfid', ...v.bricks, v.gfidOf('/a/line\nbreak'), '/a/line\\nbreak']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ {4}\/a\/line\\nbreak$/m);
  assert.match(r.stdout, new RegExp(`^/a/line\\\\nbreak: gfid ${v.gfidOf('/a/line\nbreak')}, file$`, 'm'));
});

test('a volume path without its leading / resolves, as heal info users type it', () => {
  const r = gfsck(['gfid', ...v.bricks, 'a/b/f', 'a/b'], { cwd: root });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^a/b/f = /a/b/f: gfid ${v.gfidOf('/a/b/f')}, file$`, 'm'));
  assert.match(r.stdout, new RegExp(`^a/b = /a/b: gfid ${v.gfidOf('/a/b')}, dir$`, 'm'));
  const { lines } = gfidJson([...v.bricks, 'a/b/f']);
  assert.deepEqual([lines[0]!.id, lines[0]!.path], ['a/b/f', '/a/b/f']);
});

test('as --help says: leading bricks first; a relative ID that is a local non-brick directory is refused, /ID is not', () => {
  const inBrick = { cwd: v.bricks[0]! }; // where a/ and a/b/f exist locally too
  const refused = gfsck(['gfid', ...v.bricks, 'a'], inBrick);
  assert.equal(refused.status, 16);
  assertOneLineError(refused.stderr, /^gfsck: a: a local directory but not a brick .*; for the volume path write \/a$/);
  const meant = gfsck(['gfid', ...v.bricks, '/a', 'a/b/f'], inBrick);
  assert.equal(meant.status, 0, meant.stderr);
  assert.match(meant.stdout, new RegExp(`^/a: gfid ${v.gfidOf('/a')}, dir$`, 'm'));
  assert.match(meant.stdout, new RegExp(`^a/b/f = /a/b/f: gfid ${v.gfidOf('/a/b/f')}, file$`, 'm'), 'a local file is no brick: a volume path');
  const relativeBricks = gfsck(['gfid', 'b0', 'b1', 'b2', 'a/b/f'], { cwd: join(root, 'vol') });
  assert.equal(relativeBricks.status, 0, relativeBricks.stderr);
  assert.match(relativeBricks.stdout, new RegExp(`^a/b/f = /a/b/f: gfid ${v.gfidOf('/a/b/f')}, file$`, 'm'));
});

test('an orphan does not resolve: exit 4, with the names gfid2path remembers and which ID failed', () => {
  const gone = v.gfidOf('/a/gone');
  const r = gfsck(['gfid', ...v.bricks, gone, v.gfidOf('/a/b/f')]);
  assert.equal(r.status, 4);
  assert.match(r.stdout, new RegExp(`^${gone}: UNRESOLVED: .*orphan`, 'm'));
  // Bricks by label and root, as the other commands name them.
  assert.match(r.stdout, new RegExp(`^  #0 ${v.bricks[0]}: recorded name /a/gone: no such name`, 'm'));
  assert.match(r.stdout, /2 ID\(s\): 1 resolved, 1 unresolved/);
  assert.match(r.stdout, new RegExp(`^  unresolved ${gone}: `, 'm'));
});

const HEAL_INFO = (gfids: { dir: string; parent: string; orphan: string }) => `Brick host:/bricks/b0
/a/b/f 
<gfid:${gfids.dir}> 
<gfid:${gfids.parent}>/f2 
Status: Connected
Number of entries: 3

Brick host:/bricks/b1
<gfid:${gfids.orphan}> - Is in split-brain
Status: Connected
Number of entries: 1

Brick host:/bricks/b2
Status: Transport endpoint is not connected
Number of entries: -
`;

test('heal info blocks, entries, remarks and unreachable bricks are parsed as gluster prints them', () => {
  const blocks = parseHealInfo(Buffer.from(HEAL_INFO({ dir: v.gfidOf('/a/b'), parent: v.gfidOf('/a'), orphan: v.gfidOf('/a/gone') })));
  assert.deepEqual(blocks.map((b) => [b.brick, b.status, b.count, b.entries.length]), [
    ['host:/bricks/b0', 'Connected', '3', 3], ['host:/bricks/b1', 'Connected', '1', 1], ['host:/bricks/b2', 'Transport endpoint is not connected', '-', 0],
  ]);
  assert.deepEqual(blocks[0]!.entries.map((e) => e.query?.kind), ['path', 'gfid', 'gfid-name']);
  assert.equal(blocks[0]!.entries[0]!.raw.toString(), '/a/b/f', 'the trailing space EC prints is not part of the name');
  assert.equal(blocks[1]!.entries[0]!.remark, 'Is in split-brain');
});

test('- reads heal info from stdin and resolves each entry; an unresolved one makes exit 4', () => {
  const input = HEAL_INFO({ dir: v.gfidOf('/a/b'), parent: v.gfidOf('/a'), orphan: v.gfidOf('/a/gone') });
  const { status, lines } = gfidJson([...v.bricks, '-'], input);
  assert.equal(status, 4);
  const entries = lines.filter((l) => l.type === 'heal-entry');
  assert.deepEqual(entries.map((e) => [e.healBrick, e.id, e.resolved, e.path ?? e.paths]), [
    ['host:/bricks/b0', '/a/b/f', true, '/a/b/f'],
    ['host:/bricks/b0', `<gfid:${v.gfidOf('/a/b')}>`, true, ['/a/b']],
    ['host:/bricks/b0', `<gfid:${v.gfidOf('/a')}>/f2`, true, '/a/f2'],
    ['host:/bricks/b1', `<gfid:${v.gfidOf('/a/gone')}>`, false, []],
  ]);
  assert.equal(entries[3]!.remark, 'Is in split-brain');
});

test('--db answers the same from the catalog of gfsck inspect --db, with or without the bricks', () => {
  const db = join(root, 'catalog.db');
  assert.equal(gfsck(['inspect', '--db', db, ...v.bricks]).status, 4); // the planted damage
  const ids = [v.gfidOf('/a/b/f'), v.gfidOf('/a/b'), ROOT_GFID, v.gfidOf('/a/link'), '/a/odd', `<gfid:${v.gfidOf('/a')}>/f2`, v.gfidOf('/a/gone')];
  const live = gfidJson([...v.bricks, ...ids]);
  const fromDb = gfidJson(['--db', db, ...ids]);
  const withBricks = gfidJson(['--db', db, ...v.bricks, ...ids]);
  const essence = (l: Line) => [l.id, l.resolved, l.paths ?? l.path, l.gfid, l.fileType, l.agree ?? null];
  assert.deepEqual(fromDb.lines.map(essence), live.lines.map(essence));
  assert.deepEqual(withBricks.lines.map(essence), live.lines.map(essence));
  assert.equal(fromDb.status, 4);
  const orphan = fromDb.lines.find((l) => l.id === v.gfidOf('/a/gone'))!;
  assert.deepEqual((orphan.bricks as Array<{ stale: Array<{ path: string }> }>).map((b) => b.stale.map((s) => s.path)), [['/a/gone'], ['/a/gone'], ['/a/gone']]);
});

/** Every directory under `dir`, the brick root and .glusterfs included. */
function allDirs(dir: string): string[] {
  return [dir, ...readdirSync(dir).flatMap((n) => (lstatSync(join(dir, n)).isDirectory() ? allDirs(join(dir, n)) : []))];
}

test('a live lookup lists no directory: it reads only handles and the names they lead to', () => {
  // Under relatime, listing a directory (getdents) moves its atime forward when it is older
  // than its mtime; lstat, readlink and getxattr leave it. So: age every atime, look up, and
  // no directory may have been read. The control proves the method sees a listing.
  const dirs = v.bricks.flatMap(allDirs);
  for (const d of dirs) utimesSync(d, 0, statSync(d).mtime);
  const r = gfsck(['gfid', ...v.bricks, v.gfidOf('/a/b/f'), v.gfidOf('/a/b'), '/a/line\nbreak', `<gfid:${v.gfidOf('/a')}>/f2`, v.gfidOf('/a/gone')]);
  assert.equal(r.status, 4, r.stderr);
  assert.deepEqual(dirs.filter((d) => statSync(d).atimeMs !== 0), []);
  readdirSync(join(v.bricks[0]!, 'a'));
  assert.notEqual(statSync(join(v.bricks[0]!, 'a')).atimeMs, 0, 'control: a listing does move the atime here');
});

test('bad input is one line on stderr with exit 16 (usage) or 8 (operational)', () => {
  const cases: Array<[string[], string | undefined, number, RegExp]> = [
    [['gfid', ...v.bricks], undefined, 16, /no ID given/],
    [['gfid', ...v.bricks, '<gfid:nonsense>'], undefined, 16, /<gfid:nonsense>: not a gfid/],
    [['gfid', v.gfidOf('/a/b/f')], undefined, 16, /no brick directories given/],
    [['gfid', ...v.bricks, '/a/../etc'], undefined, 16, /\. and \.\. are not allowed/],
    [['gfid', ...v.bricks, '/.glusterfs/00'], undefined, 16, /\.glusterfs is the brick's own/],
    [['gfid', ...v.bricks, '-', '-'], '', 16, /can be given once/],
    [['gfid', ...v.bricks, '-'], 'no heal info here\n', 16, /stdin holds no heal info/],
    [['gfid', '--db', join(root, 'missing.db'), ROOT_GFID], undefined, 8, /no such catalog/],
  ];
  for (const [args, input, status, pattern] of cases) {
    const r = gfsck(args, { input });
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    assertOneLineError(r.stderr, pattern);
  }
});
