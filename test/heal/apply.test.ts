/**
 * `gfsck heal --apply` on bricks real GlusterFS 10.3 wrote (testdata/), offline: every
 * planned entry is healed, a second plan is empty, inspect finds nothing, the healed
 * bricks serve every file of the truth without the bricks that were good, sparse files stay
 * sparse, and `--undo` puts every brick back exactly (same inodes, bytes, xattrs, names).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { assertOneLineError, gfsck } from '../support/cli.ts';
import { snapshotDiff, snapshotTree } from '../repair/snapshot.ts';
import { fixture, healAndProve, run } from './prove.ts';
import type { Truth } from '../cluster/truth.ts';

test('ec-2p1-stale: #2 healed offline serves every file with #0 alone, and --undo restores all three bricks', async () => {
  await healAndProve('ec-2p1-stale', 'disperse:2+1', [2], [0, 2]);
});

test('ec-4p2-two-down: #1 and #4 healed serve every file with only two of the bricks that were good', async () => {
  await healAndProve('ec-4p2-two-down', 'disperse:4+2', [1, 4], [1, 2, 4, 5]);
});

test('refusals: a journal inside a brick, --journal without --apply, an existing journal: one line, nothing written', () => {
  const a = fixture('ec-2p1-stale');
  try {
    const before = a.bricks.map(snapshotTree);
    let r = gfsck(['heal', '--apply', '--journal', join(a.bricks[0]!, 'j'), '--volinfo', a.volinfo!, ...a.bricks]);
    assert.equal(r.status, 16);
    assertOneLineError(r.stderr, /must not be inside brick/);
    const existing = join(a.dir, 'used.journal');
    mkdirSync(existing);
    r = gfsck(['heal', '--apply', '--journal', existing, '--volinfo', a.volinfo!, ...a.bricks]);
    assert.equal(r.status, 8);
    assertOneLineError(r.stderr, /already exists/);
    r = gfsck(['heal', '--undo', join(a.dir, 'nonexistent.journal')]);
    assert.equal(r.status, 8);
    assertOneLineError(r.stderr, /no such journal/);
    a.bricks.forEach((b, i) => assert.deepEqual(snapshotDiff(before[i]!, snapshotTree(b)), [], `#${i} untouched`));
  } finally {
    a.remove();
  }
});

test('ec-2p1-broken-handles: a handle that is another inode is moved aside, not linked; the bricks then agree', () => {
  const a = fixture('ec-2p1-broken-handles');
  try {
    const journal = join(a.dir, 'j');
    const applied = gfsck(['heal', '--apply', '--journal', journal, '--volinfo', a.volinfo!, ...a.bricks]);
    assert.equal(applied.status, 1, applied.stdout + applied.stderr);
    assert.match(applied.stdout, /^healed \/h\/gfid-mismatch$/m);
    assert.match(applied.stdout, / 0 failed, 0 left/);
    const again = gfsck(['heal', '--sources', '--volinfo', a.volinfo!, ...a.bricks]);
    assert.equal(again.status, 0, again.stdout);
    const audit = gfsck(['xattrs', '--volinfo', a.volinfo!, ...a.bricks, '/h/gfid-mismatch', '/h/no-gfid']);
    assert.equal(audit.status, 0, audit.stdout);
  } finally {
    a.remove();
  }
});

test('a brick of another volume: heal and rebuild --out refuse it with one line, before writing anything', () => {
  const a = fixture('ec-2p1-stale');
  const other = fixture('ec-2p1-clean');
  try {
    const mixed = [a.bricks[0]!, a.bricks[1]!, other.bricks[2]!];
    const before = [...a.bricks, ...other.bricks].map(snapshotTree);
    const journal = join(a.dir, 'mixed.journal');
    let r = gfsck(['heal', '--apply', '--journal', journal, '--layout', 'disperse:2+1', ...mixed]);
    assert.equal(r.status, 16, r.stderr);
    assertOneLineError(r.stderr, new RegExp(`#2 \\(${other.bricks[2]}\\) belongs to volume [0-9a-f-]{36}, the other bricks to [0-9a-f-]{36}: give the bricks of one volume`));
    assert.ok(!existsSync(journal), 'no journal is made');
    r = gfsck(['heal', '--sources', '--volinfo', other.volinfo!, ...a.bricks]);
    assert.equal(r.status, 16, r.stderr);
    assertOneLineError(r.stderr, /#0 .* belongs to volume .*, the volinfo to /);
    const out = join(a.dir, 'out');
    r = gfsck(['rebuild', '--out', out, '--layout', 'disperse:2+1', ...mixed]);
    assert.equal(r.status, 16, r.stderr);
    assertOneLineError(r.stderr, /belongs to volume/);
    assert.ok(!existsSync(out), 'no output folder is made');
    [...a.bricks, ...other.bricks].forEach((b, i) => assert.deepEqual(snapshotDiff(before[i]!, snapshotTree(b)), [], `brick ${i} untouched`));
  } finally {
    a.remove();
    other.remove();
  }
});

test('ec-2p1-unhealable: healed the ec.size way, the crashed file is what the mount showed, served by the stale brick too', async () => {
  await healAndProve('ec-2p1-unhealable', 'disperse:2+1', [2], [1, 2]);
});

test('ec-2p1-unhealable with --trust-fragments: every brick ends with all the fragments held, the acknowledged data intact', () => {
  const a = fixture('ec-2p1-unhealable');
  const scratch = mkdtempSync('/var/tmp/gfsck-heal-trust-');
  try {
    const truth = JSON.parse(readFileSync(a.truthFile!, 'utf8')) as Truth;
    const note = truth.notes!.join(' ');
    const acknowledged = Number(/acknowledged (\d+) bytes/.exec(note)![1]);
    const ackSha = /sha256 of that prefix ([0-9a-f]{64})/.exec(note)![1];
    const applied = run(['heal', '--apply', '--trust-fragments', '--json', '--journal', join(scratch, 'j'), '--volinfo', a.volinfo!, ...a.bricks]);
    assert.equal(applied.status, 1, applied.stderr);
    assert.equal(run(['heal', '--json', '--volinfo', a.volinfo!, ...a.bricks]).status, 0, 'healthy as GlusterFS judges it, no --trust-fragments needed any more');
    const sizes = a.bricks.map((b) => lstatSync(join(b, 'bigfile')).size);
    assert.equal(new Set(sizes).size, 1, `every fragment as long: ${sizes.join(', ')}`);
    const empty = join(scratch, 'empty');
    mkdirSync(join(empty, '.glusterfs'), { recursive: true });
    const out = join(scratch, 'out');
    assert.equal(gfsck(['rebuild', '--out', out, '--only', '/bigfile', '--layout', 'disperse:2+1', empty, a.bricks[1]!, a.bricks[2]!]).status, 0);
    const recovered = readFileSync(join(out, 'bigfile'));
    assert.equal(recovered.length, sizes[0]! * 2);
    assert.ok(recovered.length >= acknowledged);
    assert.equal(createHash('sha256').update(recovered.subarray(0, acknowledged)).digest('hex'), ackSha);
  } finally {
    a.remove();
    rmSync(scratch, { recursive: true, force: true });
  }
});
