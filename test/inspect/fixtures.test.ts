/**
 * inspect on bricks real GlusterFS 10.3 wrote (testdata/, made by test/cluster/scenarios):
 * clean sets give no findings, and every recorded damage gives its findings, naming the
 * brick, the path and the gfid, with nothing left unexplained.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setXattr } from '../../core/fs/xattr.ts';
import { handleRelPath } from '../../core/gfid-tree/gfid.ts';
import { fileURLToPath } from 'node:url';
import { extractBrickArchive } from '../../core/archive/brick-archive.ts';
import type { Finding } from '../../core/check/findings.ts';
import { compact, inspectFindings } from '../support/inspect-run.ts';
import type { Truth } from '../cluster/truth.ts';

async function inspectFixture(name: string): Promise<{ findings: Finding[]; rows: string[]; truth: Truth; bricks: string[] }> {
  const archive = extractBrickArchive(fileURLToPath(new URL(`../../testdata/${name}.tar.gz`, import.meta.url)));
  try {
    const truth = JSON.parse(readFileSync(archive.truthFile!, 'utf8')) as Truth;
    const findings = await inspectFindings(archive.bricks, { volinfo: archive.volinfo! });
    return { findings, rows: compact(findings, archive.bricks), truth, bricks: archive.bricks };
  } finally {
    archive.remove();
  }
}

const problems = (rows: string[]) => rows.filter((r) => !r.startsWith('DHT_LINKTO'));

for (const name of ['ec-2p1-clean', 'ec-4p2-clean', 'dist-shard', 'ec-2p1-bitrot']) {
  test(`${name}: no findings on a healthy set`, async () => {
    assert.deepEqual((await inspectFixture(name)).rows, []);
  });
}

test('dist-ec-2x2p1-linkto: linkto files are noted on every brick of their set, nothing is misplaced', async () => {
  const { rows, truth } = await inspectFixture('dist-ec-2x2p1-linkto');
  assert.deepEqual(problems(rows), []);
  const noted = new Set(rows.map((r) => r.split(' ')[2]));
  assert.deepEqual([...noted].sort(), [...new Set(truth.linkto!.map((l) => l.path))].sort());
  assert.equal(rows.length, truth.linkto!.length, 'one note per brick holding a linkto file');
});

test('dist-ec-2x2p1-linkto: a lost linkto leaves its file misplaced; a wrong one is stale', async () => {
  const archive = extractBrickArchive(fileURLToPath(new URL('../../testdata/dist-ec-2x2p1-linkto.tar.gz', import.meta.url)));
  try {
    const truth = JSON.parse(readFileSync(archive.truthFile!, 'utf8')) as Truth;
    // Two linkto files on set 0 whose gfid has no other name there.
    const [lost, wrong] = truth.linkto!.filter((l) => l.brick === 0 && truth.linkto!.filter((m) => m.gfid === l.gfid).length === 3);
    const set0 = archive.bricks.slice(0, 3);
    for (const brick of set0) {
      unlinkSync(join(brick, lost!.path));
      unlinkSync(join(brick, handleRelPath(lost!.gfid)));
      setXattr(join(brick, wrong!.path), 'trusted.glusterfs.dht.linkto', Buffer.from(`${truth.volume.name}-disperse-0\0`));
    }
    const rows = compact(await inspectFindings(archive.bricks, { volinfo: archive.volinfo! }), archive.bricks);
    assert.deepEqual(problems(rows), [`DHT_MISPLACED b3 ${lost!.path}`, `DHT_MISPLACED b3 ${wrong!.path}`, `DHT_STALE_LINKTO b0 ${wrong!.path}`].sort());
  } finally {
    archive.remove();
  }
});

test('ec-2p1-broken-handles: each breakage class gives exactly its findings', async () => {
  const { rows, findings, truth } = await inspectFixture('ec-2p1-broken-handles');
  const expected: string[] = [];
  for (const d of truth.damage) {
    const data = (d.data ?? {}) as Record<string, string>;
    const at = (code: string, where = d.path!, brick = `b${d.brick}`) => expected.push(`${code} ${brick} ${where}`);
    switch (d.kind) {
      case 'missing-file-handle': case 'missing-dir-handle': at('HANDLE_MISSING'); break;
      case 'handle-wrong-type': at('HANDLE_WRONG_TYPE'); break;
      case 'handle-is-directory': at('HANDLE_IS_DIRECTORY'); break;
      case 'root-handle-is-directory': at('ROOT_HANDLE_BAD', '/'); break;
      case 'dangling-dir-handle': // renamed on this brick only: the name is stale here, missing here
        at('DIR_HANDLE_DANGLING', data.renamedTo); at('SET_STALE_NAME', data.renamedTo); at('SET_ENTRY_MISSING'); break;
      case 'orphan-handle': at('HANDLE_ORPHAN', d.gfid!); at('SET_ENTRY_MISSING'); break;
      case 'gfid-mismatch-name-handle': // the inode's new gfid has no handle; the old handle is a stale alias
        at('HANDLE_GFID_MISMATCH'); at('HANDLE_MISSING'); at('SET_GFID_MISMATCH'); break;
      case 'shared-dir-gfid': at('GFID_DUPLICATE', data.sharedWith); at('DIR_HANDLE_DANGLING'); at('SET_GFID_MISMATCH'); break;
      case 'handle-wrong-bucket': at('HANDLE_WRONG_BUCKET', d.gfid!); at('HANDLE_MISSING'); break;
      case 'missing-gfid-xattr': at('GFID_MISSING'); at('SET_GFID_MISMATCH'); break;
      case 'missing-gfid2path': at('GFID2PATH_MISSING'); break;
      case 'wrong-gfid-on-copy': at('SET_GFID_MISMATCH'); break;
      default: assert.fail(`unexpected damage kind ${d.kind}`);
    }
  }
  assert.deepEqual(rows, expected.sort());
  // Each finding names its gfid; a set-level gfid disagreement names the majority's.
  for (const f of findings) if (f.code !== 'GFID_MISSING') assert.match(f.gfid ?? '', /^[0-9a-f-]{36}$/, `${f.code} ${f.path}`);
  const wrongCopy = truth.damage.find((d) => d.kind === 'wrong-gfid-on-copy')!;
  assert.ok(findings.some((f) => f.code === 'SET_GFID_MISMATCH' && f.path === wrongCopy.path && f.gfid === wrongCopy.gfid));
});

/** A brick down while files changed: every change it missed is named on it; nothing else is wrong. */
for (const name of ['ec-2p1-stale', 'ec-4p2-two-down', 'rep3-brick-down']) {
  test(`${name}: every change the down bricks missed is found on them`, async () => {
    const { findings, truth, bricks } = await inspectFixture(name);
    const stale = truth.bricks.filter((b) => b.stale).map((b) => bricks[b.index]);
    assert.ok(stale.length > 0);
    for (const d of truth.damage.filter((x) => x.path)) {
      const paths = [d.path, (d.data as { from?: string } | undefined)?.from].filter(Boolean);
      assert.ok(findings.some((f) => paths.includes(f.path!) && stale.includes(f.brick!)), `${d.kind} ${d.path} is reported on a stale brick`);
    }
    // Nothing GlusterFS could not heal by itself, and every set-level finding blames a stale brick.
    assert.deepEqual(findings.filter((f) => f.severity === 'error').map((f) => `${f.code} ${f.path}`), []);
    const perBrickBookkeeping = new Set(['EC_DIRTY', 'HEAL_PENDING', 'HEAL_PENDING_ENTRY', 'AFR_PENDING', 'AFR_DIRTY']);
    for (const f of findings.filter((x) => !perBrickBookkeeping.has(x.code))) {
      assert.ok(stale.includes(f.brick!), `${f.code} ${f.path} names ${f.brick}, not a stale brick`);
    }
  });
}

test('ec-2p1-unhealable: the crash signature, and GlusterFS cannot heal it', async () => {
  const { rows, truth } = await inspectFixture('ec-2p1-unhealable');
  const path = truth.entries[0]!.path;
  for (const b of ['b0', 'b1', 'b2']) assert.ok(rows.includes(`EC_FRAGMENT_SIZE ${b} ${path}`), b);
  assert.ok(rows.includes(`EC_UNHEALABLE set ${path}`));
  assert.ok(rows.includes(`EC_VERSION_MISMATCH set ${path}`), 'the brick killed first is behind, but no group can be trusted');
  assert.ok(rows.includes(`HEAL_PENDING b2 ${path}`));
});

test('rep2-split-brain: each kind of split-brain is found', async () => {
  const { findings, truth } = await inspectFixture('rep2-split-brain');
  const splitBrains = findings.filter((f) => f.code === 'AFR_SPLIT_BRAIN');
  for (const d of truth.damage.filter((x) => x.kind.endsWith('split-brain'))) {
    // An entry split-brain is healed by merging the names: pending, not an error.
    const code = d.kind === 'gfid-split-brain' ? 'SET_GFID_MISMATCH' : d.kind === 'entry-split-brain' ? 'AFR_PENDING' : 'AFR_SPLIT_BRAIN';
    assert.ok(findings.some((f) => f.code === code && f.path === d.path), `${d.kind} ${d.path}`);
  }
  const kinds = new Set(splitBrains.map((f) => /(data|metadata) split-brain/.exec(f.message)![1]));
  assert.deepEqual([...kinds].sort(), ['data', 'metadata']);
  assert.ok(!splitBrains.some((f) => f.path === '/sbdir'), 'a directory whose bricks accuse each other of entry changes is merged, not in split-brain');
});

test('a brick of another volume among the given ones: inspect names it, and still checks the rest', async () => {
  const [ours, theirs] = ['ec-2p1-stale', 'ec-2p1-clean'].map((n) => extractBrickArchive(fileURLToPath(new URL(`../../testdata/${n}.tar.gz`, import.meta.url))));
  try {
    const mixed = [ours!.bricks[0]!, ours!.bricks[1]!, theirs!.bricks[2]!];
    const rows = compact(await inspectFindings(mixed, { layout: 'disperse:2+1' }), mixed);
    assert.deepEqual(rows.filter((r) => r.startsWith('ROOT_VOLUME_ID')), ['ROOT_VOLUME_ID_DIFFERS b2 /']);
  } finally {
    ours!.remove();
    theirs!.remove();
  }
});
