/**
 * `gfsck heal` on replica sets real GlusterFS 10.3 wrote (testdata/): the pending matrix in
 * words, split-brains shown side by side with what each --policy keeps and never guessed, the
 * client quorum read from the volume or assumed and said so, and --apply healing a stale
 * replica, or with a policy a split-brain, so that one brick alone serves the truth.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExtractedArchive } from '../../core/archive/brick-archive.ts';
import { gfsck } from '../support/cli.ts';
import { snapshotDiff, snapshotTree } from '../repair/snapshot.ts';
import type { Truth } from '../cluster/truth.ts';
import { fixture, healAndProve, run, type Line } from './prove.ts';

interface Entry extends Line { path: string; status: string; sources: string[]; sinks: string[]; reasons: string[]; actions: Array<{ op: string; text: string }> }

const entriesOf = (lines: Line[]): Map<string, Entry> => new Map(lines.filter((l): l is Entry => l.type === 'entry').map((e) => [e.path, e]));
const truthOf = (a: ExtractedArchive): Truth => JSON.parse(readFileSync(a.truthFile!, 'utf8')) as Truth;
const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

function withFixture(name: string, fn: (a: ExtractedArchive) => void): void {
  const a = fixture(name);
  try {
    fn(a);
  } finally {
    a.remove();
  }
}

test('rep2-split-brain --sources: each split-brain side by side with what every policy keeps; the directory merged; nothing written', () => {
  withFixture('rep2-split-brain', (a) => {
    const truth = truthOf(a);
    const before = a.bricks.map(snapshotTree);
    const plan = run(['heal', '--sources', '--json', '--verify-data', '--volinfo', a.volinfo!, ...a.bricks]);
    assert.equal(plan.status, 4);
    assert.deepEqual(a.bricks.map(snapshotTree), before, '--sources writes nothing');
    const entries = entriesOf(plan.lines);
    const conflicts = [...entries.values()].filter((e) => e.status === 'conflict');
    assert.deepEqual(conflicts.map((e) => e.path).sort(), ['/sb_data', '/sb_meta', '/sbdir/gfidfile']);
    for (const e of conflicts) {
      assert.deepEqual(e.actions, [], `${e.path}: nothing is planned without a policy`);
      for (const b of ['#0', '#1']) assert.ok(e.reasons.some((r) => r.startsWith(`${b}: `) && / bytes, mode \d{4}, owner \d+:\d+, mtime .*, ctime /.test(r)), `${e.path}: ${b}'s copy shown`);
      assert.ok(e.reasons.some((r) => /^choose with --policy: size → .*; mtime → .*; ctime → .*; majority → .*; or brick=N$/.test(r)), e.path);
    }
    const data = entries.get('/sb_data')!.reasons;
    assert.ok(data.includes('data split-brain: #0 accuses #1 of 2; #1 accuses #0 of 2'), data.join('\n'));
    const split = truth.damage.find((d) => d.kind === 'data-split-brain')!;
    assert.ok(data.includes(`sha256: #0 ${split.data!.sha256}, #1 ${split.data!.otherSha256}`), '--verify-data hashes each copy');
    assert.match(data.find((r) => r.startsWith('choose with'))!, /size → #0, the biggest \(43 bytes\); mtime → #1, the latest mtime/);
    assert.match(entries.get('/sb_meta')!.reasons.join('\n'), /metadata split-brain: #0 accuses #1 of 1; #1 accuses #0 of 1; the copies differ in mode, mdata\n#0: 5 bytes, mode 0600[^\n]*\n#1: 5 bytes, mode 0640/);
    const dir = entries.get('/sbdir')!;
    assert.equal(dir.status, 'heal');
    assert.match(dir.reasons[0]!, /entries: #0 accuses #1 of 1; #1 accuses #0 of 1: the bricks accuse each other, so every name is kept on every brick/);
  });
});

test('rep2-split-brain: the quorum comes from the volinfo, from --quorum, or is assumed and said so', () => {
  withFixture('rep2-split-brain', (a) => {
    const declared = entriesOf(run(['heal', '--sources', '--json', '--volinfo', a.volinfo!, ...a.bricks]).lines).get('/sb_data')!;
    assert.ok(!declared.reasons.join(' ').includes('assumed'), 'the volinfo says quorum-type none: nothing assumed');
    const assumed = entriesOf(run(['heal', '--sources', '--json', '--layout', 'replica:2', ...a.bricks]).lines).get('/sb_data')!;
    assert.equal(assumed.status, 'conflict');
    assert.match(assumed.reasons.join('\n'), /data split-brain: .*; assumed quorum-type none \(GlusterFS's default for replica 2; --volinfo or --quorum tell\); under auto: #0,#1 win/);
    // Under auto (count 2) a brick accused once is still a source: AFR's tie-break keeps the larger copy.
    const auto = entriesOf(run(['heal', '--sources', '--json', '--quorum', 'auto', '--volinfo', a.volinfo!, ...a.bricks]).lines).get('/sb_data')!;
    assert.equal(auto.status, 'heal');
    assert.deepEqual([auto.sources, auto.sinks], [['#0'], ['#1']]);
    const r = gfsck(['heal', '--sources', '--quorum', 'most', '--volinfo', a.volinfo!, ...a.bricks]);
    assert.equal(r.status, 16);
  });
});

test('rep2-split-brain --apply without a policy: the merge is healed, every split-brain left with its cause, both sides untouched', () => {
  withFixture('rep2-split-brain', (a) => {
    const sides = a.bricks.map((b) => sha256(join(b, 'sb_data')));
    const applied = run(['heal', '--apply', '--json', '--journal', join(a.dir, 'j'), '--volinfo', a.volinfo!, ...a.bricks]);
    assert.equal(applied.status, 4, applied.stderr);
    const left = applied.lines.filter((l) => l.type === 'left');
    assert.deepEqual(left.map((l) => l.path).sort(), ['/sb_data', '/sb_meta', '/sbdir/gfidfile']);
    for (const l of left) assert.match(String(l.why), /split-brain: #0 accuses #1|gfid conflict: the bricks hold different inodes/, String(l.path));
    assert.deepEqual(a.bricks.map((b) => sha256(join(b, 'sb_data'))), sides, 'neither side was chosen');
  });
});

test('rep2-split-brain --apply --policy brick=1: brick #0 alone then serves the side the last client saw; --undo restores both bricks', async () => {
  await healAndProve('rep2-split-brain', 'replica:2', [0], [0], ['--policy', 'brick=1']);
});

test('rep2-split-brain --apply --policy mtime: the later write wins everywhere, the gfid split-brain settled with its inode', () => {
  withFixture('rep2-split-brain', (a) => {
    const truth = truthOf(a);
    const applied = run(['heal', '--apply', '--json', '--policy', 'mtime', '--journal', join(a.dir, 'j'), '--volinfo', a.volinfo!, ...a.bricks]);
    assert.equal(applied.status, 1, applied.stderr);
    const later = truth.damage.find((d) => d.kind === 'data-split-brain')!.data!.otherSha256;
    for (const b of a.bricks) assert.equal(sha256(join(b, 'sb_data')), later);
    const gfidfile = truth.entries.find((e) => e.path === '/sbdir/gfidfile')!;
    for (const b of a.bricks) assert.equal(sha256(join(b, 'sbdir', 'gfidfile')), gfidfile.sha256);
    assert.equal(run(['heal', '--sources', '--json', '--volinfo', a.volinfo!, ...a.bricks]).status, 0, 'healthy without a policy now');
  });
});

test('rep3-brick-down: the stale replica healed offline serves every file alone; --undo restores all three bricks', async () => {
  await healAndProve('rep3-brick-down', 'replica:3', [2], [2]);
});

test('rep3-brick-down --sources: every entry copied from a source to #2 only, with the matrix in words', () => {
  withFixture('rep3-brick-down', (a) => {
    const plan = run(['heal', '--sources', '--json', '--volinfo', a.volinfo!, ...a.bricks]);
    assert.equal(plan.status, 4);
    const entries = [...entriesOf(plan.lines).values()];
    assert.ok(entries.length > 0);
    for (const e of entries.filter((x) => x.actions.some((y) => y.op === 'copy'))) {
      assert.deepEqual(e.sinks, ['#2'], e.path);
      assert.match(e.reasons.join(' '), /data: #0 accuses #2 of \d+; #1 accuses #2 of \d+; copied from #[01] to #2/, e.path);
    }
    assert.ok(entries.every((e) => e.status === 'heal'), JSON.stringify(entries.filter((e) => e.status !== 'heal')));
  });
});

test('a copy made while healing is byte-identical to its source; a policy naming no brick is refused', () => {
  withFixture('rep3-brick-down', (a) => {
    const before = a.bricks.map(snapshotTree);
    const r = gfsck(['heal', '--apply', '--policy', 'newest', '--volinfo', a.volinfo!, ...a.bricks]);
    assert.equal(r.status, 16);
    assert.match(r.stderr, /--policy newest: expected size, mtime, ctime, majority or brick=N/);
    a.bricks.forEach((b, i) => assert.deepEqual(snapshotDiff(before[i]!, snapshotTree(b)), [], `#${i} untouched`));
    assert.equal(run(['heal', '--apply', '--json', '--journal', join(a.dir, 'j'), '--volinfo', a.volinfo!, ...a.bricks]).status, 1);
    const truth = truthOf(a);
    for (const e of truth.entries.filter((x) => x.type === 'file')) {
      assert.equal(sha256(join(a.bricks[2]!, e.path)), sha256(join(a.bricks[0]!, e.path)), e.path);
    }
  });
});
