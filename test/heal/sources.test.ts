/**
 * `gfsck heal --sources` on bricks real GlusterFS 10.3 wrote (testdata/): the plan names
 * the stale bricks and, per entry, the sources, sinks and the numbers behind them; it
 * agrees with inspect's pass 5 (one judge); and it writes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractBrickArchive, type ExtractedArchive } from '../../core/archive/brick-archive.ts';
import { assertOneLineError, gfsck } from '../support/cli.ts';
import { inspectFindings } from '../support/inspect-run.ts';
import { snapshotTree } from '../repair/snapshot.ts';
import type { Truth } from '../cluster/truth.ts';

function fixture(name: string): ExtractedArchive {
  return extractBrickArchive(fileURLToPath(new URL(`../../testdata/${name}.tar.gz`, import.meta.url)));
}

interface EntryLine { type: 'entry'; path: string; gfid: string | null; status: string; sources: string[]; sinks: string[]; reasons: string[]; actions: Array<{ op: string; text: string }> }
interface Summary { type: 'summary'; entries: number; healthy: number; heal: number; repairable: number; unrecoverable: number; conflict: number; sets: Array<{ set: number; stale: Record<string, number>; complete: boolean }> }

function healJson(a: ExtractedArchive, extra: string[] = []): { status: number | null; entries: EntryLine[]; summary: Summary } {
  const r = gfsck(['heal', '--sources', '--json', '--volinfo', a.volinfo!, ...extra, ...a.bricks]);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as EntryLine | Summary);
  return { status: r.status, entries: lines.filter((l): l is EntryLine => l.type === 'entry'), summary: lines.find((l): l is Summary => l.type === 'summary')! };
}

test('ec-2p1-stale: brick #2 was down; every change it missed is planned from #0,#1, and nothing is written', () => {
  const a = fixture('ec-2p1-stale');
  try {
    const truth = JSON.parse(readFileSync(a.truthFile!, 'utf8')) as Truth;
    const before = a.bricks.map(snapshotTree);
    const { status, entries, summary } = healJson(a);
    assert.equal(status, 4);
    assert.deepEqual(a.bricks.map(snapshotTree), before, '--sources writes nothing');
    assert.deepEqual(summary.sets.map((s) => s.stale), [{ '#2': summary.heal }]);
    assert.equal(summary.unrecoverable + summary.conflict + summary.repairable, 0);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    for (const e of entries) assert.deepEqual(e.sinks, ['#2'], e.path);
    // An overwrite: data from #0,#1, with the versions that decide it.
    const over = byPath.get('/changes/over')!;
    assert.deepEqual(over.sources, ['#0', '#1']);
    assert.match(over.reasons.join('\n'), /data: v\d+ size 10240 on #0,#1; v\d+ size 10240 on #2/);
    assert.ok(over.actions.some((x) => x.op === 'data' && /rewrite fragments on #2 from #0,#1/.test(x.text)));
    // A deleted name left on #2 goes to the quarantine; a created one is made there.
    assert.deepEqual(byPath.get('/changes/del')!.actions.map((x) => x.op), ['quarantine']);
    assert.ok(byPath.get('/changes/created')!.actions.some((x) => x.op === 'create' && /create on #2 as on #0/.test(x.text)));
    // Every file of the truth that changed while #2 was down is in the plan.
    const changed = truth.entries.map((e) => e.path).filter((p) => /\/changes\/(over|append|created|trunc|renamed)$/.test(p));
    assert.equal(changed.length, 5);
    for (const path of changed) {
      assert.ok(byPath.has(path), `${path} is planned`);
    }
  } finally {
    a.remove();
  }
});

test('one judge: the entries inspect reports in pass 5 are exactly the ones heal plans', async () => {
  for (const name of ['ec-2p1-stale', 'ec-4p2-two-down', 'ec-2p1-unhealable']) {
    const a = fixture(name);
    try {
      const findings = await inspectFindings(a.bricks, { volinfo: a.volinfo! });
      const setCodes = new Set(['SET_ENTRY_MISSING', 'SET_STALE_NAME', 'EC_VERSION_MISMATCH', 'EC_UNHEALABLE', 'SET_METADATA_MISMATCH', 'SET_GFID_MISMATCH']);
      const inspected = new Set(findings.filter((f) => setCodes.has(f.code) && f.path).map((f) => f.path!));
      const planned = new Set(healJson(a).entries.map((e) => e.path));
      for (const p of inspected) assert.ok(planned.has(p), `${name}: inspect reports ${p}, heal plans it too`);
    } finally {
      a.remove();
    }
  }
});

test('ec-4p2-two-down: both stale bricks are sinks, the four others the sources', () => {
  const a = fixture('ec-4p2-two-down');
  try {
    const { status, entries, summary } = healJson(a);
    assert.equal(status, 4);
    assert.deepEqual(Object.keys(summary.sets[0]!.stale).sort(), ['#1', '#4']);
    const data = entries.filter((e) => e.actions.some((x) => x.op === 'data'));
    assert.ok(data.length > 0);
    for (const e of data) assert.deepEqual(e.sources, ['#0', '#2', '#3', '#5'], e.path);
  } finally {
    a.remove();
  }
});

test('ec-2p1-unhealable: the crash is explained, with both ways out', () => {
  const a = fixture('ec-2p1-unhealable');
  try {
    const plain = healJson(a);
    const big = plain.entries.find((e) => e.status === 'repairable')!;
    assert.match(big.reasons.join(' '), /a client died before recording the new size, so GlusterFS cannot heal this file/);
    assert.match(big.reasons.join(' '), /--trust-fragments recovers \d+/);
    const data = big.actions.find((x) => x.op === 'data')!;
    assert.match(data.text, /cut the fragments on #0,#1 to \d+ bytes, then rewrite fragments on #2 from #0,#1/);
    const trusting = healJson(a, ['--trust-fragments']).entries.find((e) => e.path === big.path)!;
    assert.match(trusting.actions.find((x) => x.op === 'data')!.text, /keeping all the fragments hold \(--trust-fragments\)/);
  } finally {
    a.remove();
  }
});

test('healthy sets exit 0 with nothing to plan', () => {
  for (const name of ['ec-2p1-clean', 'ec-4p2-clean', 'dist-ec-2x2p1-linkto']) {
    const a = fixture(name);
    try {
      const { status, entries, summary } = healJson(a);
      assert.equal(status, 0, name);
      assert.deepEqual(entries, []);
      assert.equal(summary.healthy, summary.entries);
    } finally {
      a.remove();
    }
  }
});

test('bad input: one line, exit 16 or 8, nothing written', () => {
  const cases: Array<[string[], RegExp, number]> = [
    [['heal'], /no brick directories given/, 16],
    [['heal', '--sources', '--apply', '/tmp'], /give one/, 16],
    [['heal', '--journal', '/tmp/j', '/tmp'], /--journal needs --apply/, 16],
    [['heal', '/nonexistent-brick'], /no such directory/, 8],
  ];
  for (const [args, pattern, code] of cases) {
    const r = gfsck(args);
    assert.equal(r.status, code, args.join(' '));
    assertOneLineError(r.stderr, pattern);
  }
});

test('--verify-data: a flipped byte in one fragment of a 4+2 set makes that brick a sink, at the right offset; without it GlusterFS would not notice', () => {
  const a = fixture('ec-4p2-clean');
  try {
    const truth = JSON.parse(readFileSync(a.truthFile!, 'utf8')) as Truth;
    const victim = truth.entries.filter((e) => e.type === 'file' && e.size > 8192).sort((x, y) => y.size - x.size)[0]!;
    const fragment = join(a.bricks[3]!, victim.path);
    const fd = openSync(fragment, 'r+');
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, 1000);
    byte[0] = byte[0]! ^ 0xff;
    writeSync(fd, byte, 0, 1, 1000);
    closeSync(fd);
    assert.equal(healJson(a).status, 0, 'metadata alone sees nothing');
    const { status, entries } = healJson(a, ['--verify-data']);
    assert.equal(status, 4);
    assert.deepEqual(entries.map((e) => e.path), [victim.path]);
    const [e] = entries;
    assert.deepEqual(e!.sinks, ['#3']);
    assert.match(e!.reasons.join(' '), /#3: its fragment disagrees with the others in 1 stripe\(s\) from fragment byte 512/);
    assert.ok(e!.actions.some((x) => x.op === 'data' && /rewrite fragments on #3 from #0,#1,#2,#4,#5/.test(x.text)));
  } finally {
    a.remove();
  }
});
