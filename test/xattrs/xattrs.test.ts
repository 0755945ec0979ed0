/**
 * `gfsck xattrs` on bricks real GlusterFS 10.3 wrote (testdata/): values decoded as the
 * fixtures' truth says, the bricks of a set side by side with what differs marked, a brick
 * without the entry, every ID form, and, on copies changed with setxattr, known values
 * decoded exactly and damaged ones shown as hex with the decoder's complaint.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractBrickArchive, type ExtractedArchive } from '../../core/archive/brick-archive.ts';
import { removeXattr, setXattr } from '../../core/fs/xattr.ts';
import { handleRelPath } from '../../core/gfid-tree/gfid.ts';
import { gfsck, assertOneLineError } from '../support/cli.ts';
import type { Truth } from '../cluster/truth.ts';

const extracted: ExtractedArchive[] = [];
after(() => extracted.forEach((a) => a.remove()));

function fixture(name: string): { bricks: string[]; volinfo: string; truth: Truth } {
  const archive = extractBrickArchive(fileURLToPath(new URL(`../../testdata/${name}.tar.gz`, import.meta.url)));
  extracted.push(archive);
  return { bricks: archive.bricks, volinfo: archive.volinfo!, truth: JSON.parse(readFileSync(archive.truthFile!, 'utf8')) as Truth };
}

const stale = fixture('ec-2p1-stale');
const clean = fixture('ec-2p1-clean');
const splitBrain = fixture('rep2-split-brain');

interface BrickJson { brick: string; type: string | null; missing: string | null; note: string | null; xattrs: Record<string, { hex: string; kind: string; [k: string]: unknown }> }
interface EntryJson { type: 'entry'; id: string; path: string | null; gfid: string | null; set: number | null; agree: boolean; differs: string[]; malformed: string[]; missingOn: string[]; bricks: BrickJson[] }
interface SummaryJson { type: 'summary'; layout: string | null; layoutUnknown: string | null; entries: number; agree: number; disagree: number }

function xattrsJson(args: string[]): { status: number | null; entries: EntryJson[]; summary: SummaryJson; stderr: string } {
  const r = gfsck(['xattrs', '--json', ...args]);
  const lines = r.stdout.trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as EntryJson | SummaryJson);
  const summary = lines.pop() as SummaryJson;
  assert.equal(summary?.type, 'summary', r.stderr);
  return { status: r.status, entries: lines as EntryJson[], summary, stderr: r.stderr };
}

const entryOf = (truth: Truth, path: string) => truth.entries.find((e) => e.path === path)!;
/** The table row of an xattr (with its field) in the text report: marker, then one cell per brick. */
const rowOf = (stdout: string, label: string) => stdout.split('\n').find((l) => new RegExp(`^ {2}[* ] {2}${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `).test(l));

test('a healthy file: every value as the truth says, on every brick alike, exit 0', () => {
  const file = entryOf(clean.truth, '/edits/appended');
  const parent = entryOf(clean.truth, '/edits');
  const { status, entries, summary } = xattrsJson([...clean.bricks, file.path]);
  assert.equal(status, 0);
  assert.deepEqual([summary.layout, summary.agree, summary.disagree], ['disperse 2+1', 1, 0]);
  const [entry] = entries as [EntryJson];
  assert.deepEqual([entry.path, entry.gfid, entry.set, entry.agree, entry.differs], [file.path, file.gfid, 0, true, []]);
  for (const b of entry.bricks) {
    assert.equal(b.xattrs['trusted.gfid']!.gfid, file.gfid);
    assert.equal(b.xattrs['trusted.ec.size']!.size, String(file.size));
    assert.deepEqual([b.xattrs['trusted.ec.config']!.config], [{ version: 0, algorithm: 0, wordSize: 8, bricks: 3, redundancy: 1, chunkSize: 512 }]);
    const gfid2path = Object.entries(b.xattrs).find(([name]) => name.startsWith('trusted.gfid2path.'))![1];
    assert.deepEqual([gfid2path.parentGfid, gfid2path.name, gfid2path.keyMatches], [parent.gfid, 'appended', true]);
  }
});

test('every ID form names the same entry: gfid, volume path, path on a brick, handle on a brick', () => {
  const file = entryOf(clean.truth, '/edits/appended');
  const dir = entryOf(clean.truth, '/deep/a/b');
  const ids = [file.gfid, file.path, join(clean.bricks[1]!, 'edits/appended'), join(clean.bricks[2]!, handleRelPath(file.gfid)), dir.gfid];
  const { status, entries } = xattrsJson([...clean.bricks, ...ids]);
  assert.equal(status, 0);
  assert.deepEqual(entries.map((e) => [e.path, e.gfid]), [...ids.slice(0, 4).map(() => [file.path, file.gfid]), [dir.path, dir.gfid]]);
  assert.deepEqual(entries[4]!.bricks.map((b) => b.type), ['dir', 'dir', 'dir'], 'a directory gfid is read at its path, not its handle symlink');
});

test('a stale brick: the rows that differ are marked, the others not, and the exit is 4', () => {
  const append = entryOf(stale.truth, '/changes/append');
  const r = gfsck(['xattrs', ...stale.bricks, append.path]);
  assert.equal(r.status, 4, r.stderr);
  const version = rowOf(r.stdout, 'trusted.ec.version');
  const m = /^ {2}\* {2}trusted\.ec\.version +data (\d+) \/ meta (\d+) +data (\d+) \/ meta (\d+) +data (\d+) \/ meta (\d+)$/.exec(version ?? '');
  assert.ok(m, `ec.version row marked, one cell per brick: ${version}`);
  const [d0, , d1, , d2] = m.slice(1).map(Number) as number[];
  assert.equal(d0, d1, 'the two fresh bricks agree');
  assert.ok(d2! < d0!, 'the brick that was down has the older version');
  assert.match(rowOf(r.stdout, 'trusted.ec.size')!, new RegExp(`^ {2}\\* {2}trusted\\.ec\\.size +${append.size} bytes +${append.size} bytes +10240 bytes$`), 'the 3072 bytes appended after offset 10240 never reached brick 2');
  assert.match(rowOf(r.stdout, 'trusted.gfid')!, new RegExp(`^ {5}trusted\\.gfid +${append.gfid} +${append.gfid} +${append.gfid}$`), 'what agrees is not marked');
  assert.match(rowOf(r.stdout, 'trusted.glusterfs.mdata mtime')!, /^ {2}\* {2}\S+ mtime +(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z +){2}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  assert.match(r.stdout, /^ {2}differs: trusted\.ec\.dirty, trusted\.ec\.size, trusted\.ec\.version, trusted\.glusterfs\.mdata$/m);
});

test('an entry a brick of its set lacks: that brick\'s column says so, exit 4', () => {
  const del = stale.truth.damage.find((d) => d.kind === 'missed-unlink' && d.path === '/changes/del')!;
  const { status, entries } = xattrsJson([...stale.bricks, del.path!]);
  assert.equal(status, 4);
  const [entry] = entries as [EntryJson];
  assert.deepEqual(entry.missingOn, ['#0', '#1']);
  assert.deepEqual(entry.bricks.map((b) => b.missing), ['no /changes/del', 'no /changes/del', null]);
  assert.equal(entry.bricks[2]!.xattrs['trusted.gfid']!.gfid, del.gfid);
  const text = gfsck(['xattrs', ...stale.bricks, del.path!]);
  assert.match(rowOf(text.stdout, '(entry)')!, /^ {2}\* {2}\(entry\) +MISSING: no \/changes\/del +MISSING: no \/changes\/del +file$/);
});

test('replica: the AFR changelog names the brick each one accuses (split-brain: they accuse each other)', () => {
  const vol = splitBrain.truth.volume.name;
  const r = gfsck(['xattrs', ...splitBrain.bricks, '/sb_data']);
  assert.equal(r.status, 4, r.stderr);
  assert.match(rowOf(r.stdout, `trusted.afr.${vol}-client-0 accuses #0`)!, /^ {2}\* .* \(absent\) +data [1-9]\d* \/ meta 0 \/ entry 0$/);
  assert.match(rowOf(r.stdout, `trusted.afr.${vol}-client-1 accuses #1`)!, /^ {2}\* .* accuses #1 +data [1-9]\d* \/ meta 0 \/ entry 0 +\(absent\)$/);
  assert.match(rowOf(r.stdout, 'trusted.afr.dirty')!, /^ {5}trusted\.afr\.dirty +data 0 \/ meta 0 \/ entry 0 +data 0 \/ meta 0 \/ entry 0$/);
});

test('values set on a copy decode exactly; truncated, absurd and overlong ones show hex and the complaint, never a crash', () => {
  const file = entryOf(clean.truth, '/edits/extended');
  const on = (brick: number) => join(clean.bricks[brick]!, file.path);
  // mdata v1: flags, then ctime, mtime, atime as (sec, nsec) big-endian u64 pairs.
  const mdata = Buffer.alloc(57);
  mdata[0] = 1;
  const times: Array<[bigint, bigint]> = [[1709210096n, 123456789n], [1709210097n, 5n], [0n, 999999999n]];
  times.forEach(([sec, nsec], i) => { mdata.writeBigUInt64BE(sec, 9 + 16 * i); mdata.writeBigUInt64BE(nsec, 17 + 16 * i); });
  for (const b of [0, 1, 2]) setXattr(on(b), 'trusted.glusterfs.mdata', mdata);
  const absurd = Buffer.from(mdata);
  absurd.writeBigUInt64BE(2n ** 64n - 1n, 9);
  setXattr(on(2), 'trusted.glusterfs.mdata', absurd);
  setXattr(on(1), 'trusted.ec.version', Buffer.from('0102030405', 'hex'));
  setXattr(on(0), 'user.big', Buffer.alloc(300, 0xab));
  const gfid2path = Object.keys(JSON.parse(gfsck(['xattrs', '--json', ...clean.bricks, file.path]).stdout.split('\n')[0]!).bricks[0].xattrs).find((n) => n.startsWith('trusted.gfid2path.'))!;
  removeXattr(on(2), gfid2path);

  const r = gfsck(['xattrs', ...clean.bricks, file.path]);
  assert.equal(r.status, 4, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(rowOf(r.stdout, 'trusted.glusterfs.mdata ctime')!, /^ {2}\* .* 2024-02-29T12:34:56\.123456789Z +2024-02-29T12:34:56\.123456789Z +18446744073709551615\.123456789 s after 1970 \(beyond any date\)$/);
  assert.match(rowOf(r.stdout, 'trusted.glusterfs.mdata mtime')!, /^ {5}\S+ mtime +(2024-02-29T12:34:57\.000000005Z +){2}2024-02-29T12:34:57\.000000005Z$/);
  assert.match(rowOf(r.stdout, 'trusted.glusterfs.mdata atime')!, /^ {5}\S+ atime +(1970-01-01T00:00:00\.999999999Z +){2}1970-01-01T00:00:00\.999999999Z$/);
  assert.match(rowOf(r.stdout, 'trusted.ec.version')!, /^ {2}\* .*data \d+ \/ meta \d+ +0x0102030405 \(undecodable: expected 16 bytes, found 5\) +data \d+ \/ meta \d+$/);
  assert.match(rowOf(r.stdout, 'user.big')!, /^ {2}\* {2}user\.big +0x(ab){32}… \(300 bytes\) +\(absent\) +\(absent\)$/);
  assert.match(rowOf(r.stdout, gfid2path)!, /^ {2}\* .*\/extended +\S+\/extended +\(absent\)$/);
  assert.match(r.stdout, /; undecodable: trusted\.ec\.version$/m);

  const { entries } = xattrsJson([...clean.bricks, file.path]);
  const [entry] = entries as [EntryJson];
  assert.deepEqual(entry.malformed, ['trusted.ec.version']);
  assert.deepEqual(entry.bricks[1]!.xattrs['trusted.ec.version'], { hex: '0102030405', kind: 'malformed', reason: 'expected 16 bytes, found 5' });
  assert.equal(entry.bricks[0]!.xattrs['user.big']!.hex, 'ab'.repeat(300), 'JSON keeps the whole value');
  assert.deepEqual(entry.differs.sort(), [gfid2path, 'trusted.ec.version', 'trusted.glusterfs.mdata', 'user.big'].sort());
});

test('without a layout the entries cannot tell, all bricks are compared as one group, and said so; --volinfo gives the set', () => {
  const dir = entryOf(stale.truth, '/changes');
  const guessed = xattrsJson([...stale.bricks, dir.path]);
  assert.equal(guessed.status, 4);
  assert.match(guessed.summary.layoutUnknown!, /cannot infer the volume layout/);
  assert.deepEqual([guessed.entries[0]!.set, guessed.entries[0]!.bricks.length], [null, 3]);
  assert.ok(guessed.entries[0]!.differs.includes('trusted.ec.version'));
  const given = xattrsJson(['--volinfo', stale.volinfo, ...stale.bricks, dir.path]);
  assert.deepEqual([given.summary.layout, given.entries[0]!.set], ['disperse 2+1', 0]);
});

test('bad input: one line on stderr, never a stack trace; 8 for what is not there, 16 for what is mistyped', () => {
  const cases: Array<[string[], number, RegExp]> = [
    [[clean.volinfo, '/edits'], 8, /not a GlusterFS brick/],
    [[...clean.bricks, '/no/such/path'], 8, /^gfsck: \/no\/such\/path: not on any brick \(no \/no\)$/],
    [[...clean.bricks, '12345678-1234-1234-1234-123456789abc'], 8, /no brick holds gfid 12345678-1234-1234-1234-123456789abc$/],
    [[...clean.bricks], 16, /no ID given/],
    // Without its leading / a name is still a volume path, as heal info users type it.
    [[...clean.bricks, 'not-an-id'], 8, /not-an-id: not on any brick/],
    [[...clean.bricks, '<gfid:not-a-gfid>'], 16, /not a gfid \(heal info's form is <gfid:UUID> or <gfid:UUID>\/name\)/],
    [[...clean.bricks, join(clean.bricks[0]!, '.glusterfs/indices')], 16, /only a handle \(\.glusterfs\/xx\/yy\/GFID\) names an entry/],
    [['--layout', 'replica:2', ...clean.bricks, '/edits'], 16, /^gfsck: 3 bricks do not divide into sets of 2/],
  ];
  for (const [args, status, pattern] of cases) {
    const r = gfsck(['xattrs', ...args]);
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    assertOneLineError(r.stderr, pattern);
    assert.equal(r.stdout, '', 'nothing half-printed');
  }
});
