/**
 * rebuild --out on fixtures written by real GlusterFS 10.3 (testdata/, unpacked: no cluster
 * needed): every recovered entry's type, size, content hash, symlink target, mode and
 * hard-link group must equal the fixture's truth, and what the bricks cannot tell
 * (split-brain, bitrot on 2+1) must be reported as such.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importFixture, type ImportedFixture } from '../cluster/fixture.ts';
import { getXattr } from '../../core/fs/xattr.ts';
import { recover, type RecoverOptions } from '../../core/recover/recover.ts';
import type { EntryReport, RecoverSummary } from '../../core/recover/report.ts';
import { diffWithTruth } from './truth-compare.ts';
import { scratch, sha256 } from './encoded-volume.ts';

const work = scratch('rebuild-fixtures');
test.after(() => work.cleanup());
let counter = 0;

async function rebuild(fixture: ImportedFixture, extra: Partial<RecoverOptions> = {}): Promise<{ out: string; summary: RecoverSummary; entries: Map<string, EntryReport> }> {
  const out = join(work.dir, `out-${counter++}`);
  const entries = new Map<string, EntryReport>();
  const summary = await recover({
    bricks: fixture.bricks, out, force: false, layout: { volinfo: fixture.volinfoDir }, db: null, only: [], gfids: [],
    trustFragments: false, policy: null, xattrs: false, jobs: 4, onEntry: (e) => entries.set(e.path, e), ...extra,
  });
  return { out, summary, entries };
}

async function withFixture(name: string, fn: (fixture: ImportedFixture) => Promise<void>): Promise<void> {
  const fixture = await importFixture(name);
  try {
    await fn(fixture);
  } finally {
    fixture.cleanup();
  }
}

/** Names the stale bricks still hold but the volume no longer has (removed or renamed away while they were down). */
function goneNames(fixture: ImportedFixture): string[] {
  return fixture.truth.damage
    .flatMap((d) => (d.kind === 'missed-unlink' ? [d.path!] : d.kind === 'missed-rename' ? [String(d.data!.from)] : []))
    .filter((p, i, all) => all.indexOf(p) === i)
    .sort();
}

for (const name of ['ec-2p1-clean', 'ec-4p2-clean', 'ec-2p1-stale', 'ec-4p2-two-down', 'rep3-brick-down', 'dist-ec-2x2p1-linkto', 'dist-shard']) {
  test(`${name}: everything recovered equals the truth`, async () => {
    await withFixture(name, async (fixture) => {
      const { out, summary, entries } = await rebuild(fixture, { xattrs: true });
      assert.deepEqual(await diffWithTruth(out, fixture.truth.entries), []);
      assert.equal(summary.failed + summary.partial, 0, JSON.stringify([...entries.values()].filter((e) => e.status !== 'recovered')));
      // Names a stale brick kept after they were removed or renamed are skipped, and said to be stale.
      const skipped = [...entries.values()].filter((e) => e.status === 'skipped');
      assert.deepEqual(skipped.map((e) => e.path).sort(), goneNames(fixture));
      for (const e of skipped) assert.match(e.reason!, /stale name/);
      // What a stale brick missed is never read from it.
      const staleBricks = fixture.truth.bricks.filter((b) => b.stale).map((b) => b.index);
      for (const d of fixture.truth.damage.filter((x) => x.kind === 'missed-write')) {
        const e = entries.get(d.path!)!;
        assert.ok(staleBricks.every((b) => !e.sources!.includes(b)), `${d.path} read from a stale brick: ${JSON.stringify(e)}`);
      }
      for (const e of fixture.truth.entries.filter((x) => x.xattrs)) {
        for (const [key, hex] of Object.entries(e.xattrs!)) assert.equal(getXattr(join(out, e.path), key)?.toString('hex'), hex, `${e.path} ${key}`);
      }
    });
  });
}

test('ec-2p1-clean: a sparse file stays sparse', async () => {
  await withFixture('ec-2p1-clean', async (fixture) => {
    const { out } = await rebuild(fixture, { only: ['/sparse/holey'] });
    const st = statSync(join(out, 'sparse/holey'));
    assert.equal(st.size, 6 * 1024 * 1024);
    assert.ok(st.blocks * 512 <= 64 * 1024, `${st.blocks * 512} bytes allocated for 16 KiB of data`);
  });
});

test('ec-4p2-two-down: --only reads one file straight from the bricks, without a scan', async () => {
  await withFixture('ec-4p2-two-down', async (fixture) => {
    const { out, summary, entries } = await rebuild(fixture, { only: ['/changes/large'] });
    assert.equal(summary.scanned, false);
    assert.deepEqual([...entries.keys()].sort(), ['/changes', '/changes/large']);
    const truth = fixture.truth.entries.find((e) => e.path === '/changes/large')!;
    assert.equal(sha256(readFileSync(join(out, 'changes/large'))), truth.sha256);
    assert.deepEqual(entries.get('/changes/large')!.sources, [0, 2, 3, 5]);
  });
});

test('ec-4p2-clean with bytes flipped in one real fragment: the bitrot is pinned on its brick and left out', async () => {
  await withFixture('ec-4p2-clean', async (fixture) => {
    const path = '/sizes/size-1049353';
    const fragment = join(fixture.bricks[2]!, path);
    const bytes = readFileSync(fragment);
    bytes[70_000] ^= 0xff;
    writeFileSync(fragment, bytes);
    const { out, entries } = await rebuild(fixture, { only: [path] });
    const e = entries.get(path)!;
    assert.equal(e.status, 'recovered');
    assert.equal(sha256(readFileSync(join(out, path))), fixture.truth.entries.find((x) => x.path === path)!.sha256);
    assert.match(e.excluded!.find((x) => x.brick === 2)!.reason, /bitrot: .* 1 stripe\(s\) from fragment byte 69632/);
    assert.deepEqual(e.sources, [0, 1, 3, 4, 5]);
  });
});

test('ec-2p1-bitrot: with one spare fragment, rot is detected and reported, the intact file recovered', async () => {
  await withFixture('ec-2p1-bitrot', async (fixture) => {
    const { out, summary, entries } = await rebuild(fixture);
    for (const d of fixture.truth.damage.filter((x) => x.kind === 'bitrot')) {
      const e = entries.get(d.path!)!;
      assert.equal(e.status, 'partial');
      assert.match(e.reason!, /not enough redundancy to tell which brick is wrong/);
    }
    const intact = fixture.truth.entries.find((x) => x.path === '/data/intact')!;
    assert.equal(sha256(readFileSync(join(out, intact.path))), intact.sha256);
    assert.equal(summary.partial, 2);
  });
});

test('ec-2p1-unhealable: ec.size bytes by default, the acknowledged data with --trust-fragments', async () => {
  await withFixture('ec-2p1-unhealable', async (fixture) => {
    const truth = fixture.truth.entries.find((e) => e.path === '/bigfile')!;
    const plain = await rebuild(fixture);
    assert.equal(sha256(readFileSync(join(plain.out, 'bigfile'))), truth.sha256);
    assert.match(plain.entries.get('/bigfile')!.notes.join(' '), /GlusterFS cannot heal this file.*--trust-fragments recovers/);

    // The scenario noted how many bytes the writer had acknowledged, and their hash.
    const note = fixture.truth.notes!.join(' ');
    const acknowledged = Number(/acknowledged (\d+) bytes/.exec(note)![1]);
    const ackSha = /sha256 of that prefix ([0-9a-f]{64})/.exec(note)![1];
    const trusted = await rebuild(fixture, { trustFragments: true });
    const recovered = readFileSync(join(trusted.out, 'bigfile'));
    assert.ok(recovered.length >= acknowledged);
    assert.equal(sha256(recovered.subarray(0, acknowledged)), ackSha);
    assert.ok(recovered.subarray(acknowledged).every((b) => b === 0), 'past the acknowledged data only zero padding');
  });
});

test('rep2-split-brain: without a policy each side is recovered beside the name, never guessed; the rest equals the truth', async () => {
  await withFixture('rep2-split-brain', async (fixture) => {
    const { out, entries } = await rebuild(fixture);
    const sides = fixture.truth.damage.filter((d) => d.kind === 'data-split-brain' || d.kind === 'gfid-split-brain');
    for (const d of sides) {
      assert.equal(entries.get(d.path!)!.status, 'partial', d.path);
      assert.match(entries.get(d.path!)!.reason!, /each copy recovered beside the name, as .*\.gfsck-brick0, .*\.gfsck-brick1; rerun with --policy/);
      assert.throws(() => statSync(join(out, d.path!)), /ENOENT/, `${d.path}: no copy under the name itself`);
    }
    const data = sides.find((d) => d.kind === 'data-split-brain')!;
    assert.equal(sha256(readFileSync(join(out, `${data.path}.gfsck-brick${data.brick}`))), data.data!.sha256);
    assert.equal(sha256(readFileSync(join(out, `${data.path}.gfsck-brick${data.data!.otherBrick}`))), data.data!.otherSha256);
    assert.match(entries.get('/sb_meta')!.notes.join(' '), /metadata split-brain/);
    const rest = fixture.truth.entries.filter((e) => !sides.some((d) => d.path === e.path) && e.path !== '/sb_meta');
    const diff = await diffWithTruth(out, rest);
    assert.deepEqual(diff.filter((l) => l.startsWith('-')), []);
  });
});

test('rep2-split-brain with --policy brick=1: the side the last client saw, and only it, equals the truth', async () => {
  await withFixture('rep2-split-brain', async (fixture) => {
    const { out, summary, entries } = await rebuild(fixture, { policy: { kind: 'brick', brick: 1 } });
    assert.deepEqual(await diffWithTruth(out, fixture.truth.entries), []);
    assert.equal(summary.failed + summary.partial, 0, JSON.stringify([...entries.values()].filter((e) => e.status !== 'recovered')));
    assert.match(entries.get('/sb_data')!.notes.join(' '), /--policy brick=1/);
  });
});
