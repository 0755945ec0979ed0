/**
 * The interlock: a brick a glusterfsd serves is refused unless --force, found from /proc
 * whatever path spelling; and the repair locks keep two gfsck runs off one brick.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyntheticVolume } from '../support/synthetic-volume.ts';
import { gfsck } from '../support/cli.ts';
import { handleRelPath } from '../../core/gfid-tree/gfid.ts';
import { BrickLocks, findBrickServers, requireBricksOffline } from '../../core/repair/interlock.ts';
import { snapshotDiff, snapshotTree } from './snapshot.ts';

const root = mkdtempSync(join(tmpdir(), 'gfsck-interlock-'));
const children: ChildProcess[] = [];
test.after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

/** A process whose command line is what glusterd gives a brick: `glusterfsd … --brick-name <brick>`. */
async function fakeGlusterfsd(...brickArgs: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', '--', ...brickArgs], { argv0: 'glusterfsd', stdio: 'ignore' });
  children.push(child);
  await new Promise((resolve) => child.once('spawn', resolve));
  return child;
}

function volumeWithMissingHandle(name: string): SyntheticVolume {
  const v = new SyntheticVolume(join(root, name), 2, 1);
  v.file('/f', 100);
  unlinkSync(join(v.bricks[0]!, handleRelPath(v.gfidOf('/f'))));
  return v;
}

test('glusterfsd processes are matched to bricks by --brick-name, through symlinks, in both spellings', async () => {
  const v = volumeWithMissingHandle('match');
  const [b0, b1, b2] = v.bricks as [string, string, string];
  const viaLink = join(root, 'link-to-b1');
  symlinkSync(b1, viaLink);
  const p0 = await fakeGlusterfsd('--brick-name', b0);
  const p1 = await fakeGlusterfsd(`--brick-name=${viaLink}`);
  const unrelated = await fakeGlusterfsd('--brick-name', join(root, 'elsewhere'));
  const found = findBrickServers([b0, b1, b2]).map((s) => [s.pid, s.brick]).sort();
  assert.deepEqual(found, [[p0.pid, b0], [p1.pid, b1]].sort());
  assert.ok(!found.some(([pid]) => pid === unrelated.pid));
  assert.throws(() => requireBricksOffline([b0, b2], false), new RegExp(`brick ${b0} is served by glusterfsd pid ${p0.pid}: stop the volume .* --force writes anyway`));
  const risks = requireBricksOffline([b0, b2], true);
  assert.equal(risks.length, 1);
  assert.match(risks[0]!, /writing anyway \(--force\); the running brick keeps its own view/);
  for (const p of [p0, p1, unrelated]) p.kill('SIGKILL');
});

test('rebuild --apply refuses a live brick with one line and exit 8, writing nothing; --force repairs and says what it risks', async () => {
  const v = volumeWithMissingHandle('refuse');
  const before = v.bricks.map(snapshotTree);
  const live = await fakeGlusterfsd('-s', 'localhost', '--volfile-id', 'vol.host.brick', '--brick-name', v.bricks[0]!, '-l', '/dev/null');
  const journal = join(root, 'refuse.journal');
  const refused = gfsck(['rebuild', '--handles', '--apply', '--journal', journal, ...v.bricks]);
  assert.equal(refused.status, 8);
  assert.deepEqual(refused.stderr.trimEnd().split('\n').length, 1, refused.stderr);
  assert.match(refused.stderr, new RegExp(`^gfsck: brick ${v.bricks[0]} is served by glusterfsd pid ${live.pid}: `));
  v.bricks.forEach((b, i) => assert.deepEqual(snapshotDiff(before[i]!, snapshotTree(b)), []));
  assert.equal(existsSync(journal), false);

  const dry = gfsck(['rebuild', '--handles', ...v.bricks]);
  assert.equal(dry.status, 4, 'a dry run still answers');
  assert.match(dry.stderr, /warning: .* served by glusterfsd .* this plan may be stale/);

  const forced = gfsck(['rebuild', '--handles', '--apply', '--force', '--journal', journal, ...v.bricks]);
  assert.equal(forced.status, 1, forced.stdout + forced.stderr);
  assert.match(forced.stderr, /warning: brick .* served by glusterfsd .* writing anyway \(--force\)/);
  assert.ok(existsSync(join(v.bricks[0]!, handleRelPath(v.gfidOf('/f')))));

  const undo = gfsck(['rebuild', '--undo', journal]);
  assert.equal(undo.status, 8, '--undo is under the same interlock');
  assert.match(undo.stderr, /served by glusterfsd/);
  live.kill('SIGKILL');
  await new Promise((resolve) => live.once('exit', resolve));
  assert.equal(gfsck(['rebuild', '--undo', journal]).status, 0);
  v.bricks.forEach((b, i) => assert.deepEqual(snapshotDiff(before[i]!, snapshotTree(b)), []));
});

test('a brick locked by a live gfsck is refused; a lock left by a dead process is taken over and released', async () => {
  const lockDir = join(root, 'locks');
  const brick = join(root, 'some-brick');
  const first = BrickLocks.acquire([brick], 'first', lockDir);
  const [file] = readdirSync(lockDir);
  const holder = await fakeGlusterfsd(); // any live process other than this one
  writeFileSync(join(lockDir, file!), JSON.stringify({ pid: holder.pid, purpose: 'rebuild --handles' }));
  assert.throws(() => BrickLocks.acquire([brick], 'second', lockDir), new RegExp(`being repaired by gfsck pid ${holder.pid} \\(rebuild --handles\\)`));
  holder.kill('SIGKILL');
  await new Promise((resolve) => holder.once('exit', resolve));
  const second = BrickLocks.acquire([brick], 'second', lockDir);
  second.release();
  assert.deepEqual(readdirSync(lockDir), []);
  first.release(); // its file was taken over: releasing twice is harmless
});
