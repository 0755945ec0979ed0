/**
 * Hostile bricks that once broke a command, each kept as a fixed case on a copy of real
 * fixture bricks: one out-of-range counter, a bind-mounted live brick, an output inside a
 * brick, handle loops, a nonsense ec.config on one file or on all, lost directories in
 * rebuild --out, an interrupted --apply, a closed pipe, and the small ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setXattr } from '../../core/fs/xattr.ts';
import { dirHandleTarget, handleRelPath, parseDirHandleTarget } from '../../core/gfid-tree/gfid.ts';
import { errorText } from '../../core/errors.ts';
import { processAlive } from '../../core/repair/interlock.ts';
import { RepairJournal } from '../../core/repair/journal.ts';
import { GFSCK } from '../support/cli.ts';
import { STACK_TRACE, caseEnv, cliFromSource, gfsckOn, locksOn, snapshotBricks, type FuzzCase } from './commands.ts';
import { snapshotDiff } from '../repair/snapshot.ts';
import { PROJECT_ROOT, caseRoot, copyCase, extractPristine } from './fixtures.ts';

const fromSource = cliFromSource(PROJECT_ROOT);
const pristine = extractPristine('ec-2p1-clean');
const root = caseRoot([pristine]);
const children: ChildProcess[] = [];
let cases = 0;
test.after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
  pristine.archive.remove();
});

const fresh = (): FuzzCase => copyCase(pristine, root, cases++, false);
const run = (c: FuzzCase, ...args: string[]) => gfsckOn(c, args, fromSource);

/** Regular files of the namespace on every brick of the set, relative to the brick root. */
function sharedFiles(c: FuzzCase): string[] {
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(c.bricks[0]!, rel)).sort()) {
      const path = `${rel}/${name}`;
      if (path === '/.glusterfs') continue;
      const st = lstatSync(join(c.bricks[0]!, path));
      if (st.isDirectory()) walk(path);
      else if (st.isFile() && c.bricks.every((b) => existsSync(join(b, path)))) files.push(path);
    }
  };
  walk('');
  return files;
}

/** How many bricks the JSON findings name (a file with two names is reported under each). */
const onBricks = (lines: string[]) => new Set(lines.map((l) => (JSON.parse(l) as { brick: string }).brick)).size;

/** Directory handles of brick 0 that lead to a real directory: gfid and the symlink's path. */
function dirHandles(c: FuzzCase): Array<{ gfid: string; link: string }> {
  const out: Array<{ gfid: string; link: string }> = [];
  const glusterfs = join(c.bricks[0]!, '.glusterfs');
  for (const xx of readdirSync(glusterfs).filter((n) => /^[0-9a-f]{2}$/.test(n))) {
    for (const yy of readdirSync(join(glusterfs, xx))) {
      for (const gfid of readdirSync(join(glusterfs, xx, yy))) {
        const link = join(glusterfs, xx, yy, gfid);
        if (!lstatSync(link).isSymbolicLink()) continue;
        const parsed = parseDirHandleTarget(readlinkSync(link, { encoding: 'buffer' }));
        if (parsed && parsed !== 'root') out.push({ gfid, link });
      }
    }
  }
  return out;
}

test('an EC counter at or above 2^63 is a finding, and no command spins on it', () => {
  const c = fresh();
  const file = sharedFiles(c)[0]!;
  setXattr(join(c.bricks[0]!, file), 'trusted.ec.size', Buffer.from('8000000000001000', 'hex'));
  setXattr(join(c.bricks[1]!, file), 'trusted.ec.version', Buffer.from('80000000000000000000000000000001', 'hex'));
  setXattr(join(c.bricks[2]!, file), 'trusted.ec.dirty', Buffer.from('ffffffffffffffff0000000000000000', 'hex'));
  const inspect = run(c, 'inspect', '--json', ...c.bricks);
  assert.equal(inspect.status, 4, inspect.stderr);
  const malformed = inspect.stdout.split('\n').filter((l) => l.includes('XATTR_MALFORMED') && l.includes('2^63'));
  assert.equal(malformed.length, 3, inspect.stdout);
  for (const args of [['rebuild', '--handles', ...c.bricks], ['rebuild', '--out', join(c.dir, 'out'), ...c.bricks]]) {
    const r = run(c, ...args);
    assert.ok(r.status === 0 || r.status === 4, `${args.join(' ')}: ${r.status} ${r.stderr}`);
  }
});

test('a live brick reached through a bind mount is refused by --apply, and the lock is the same brick', async () => {
  const c = fresh();
  unlinkSync(join(c.bricks[0]!, handleRelPath(dirHandles(c)[0]!.gfid)));
  const alias = join(c.dir, 'alias-b0');
  mkdirSync(alias);
  assert.equal(spawnSync('mount', ['--bind', c.bricks[0]!, alias]).status, 0, 'mount --bind');
  try {
    const server = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', '--', '--brick-name', c.bricks[0]!], { argv0: 'glusterfsd', stdio: 'ignore' });
    children.push(server);
    await new Promise((resolve) => server.once('spawn', resolve));
    const before = snapshotBricks(c.bricks);
    const r = run(c, 'rebuild', '--handles', '--apply', '--journal', join(c.dir, 'journal'), alias, c.bricks[1]!, c.bricks[2]!);
    server.kill('SIGKILL');
    assert.equal(r.status, 8, r.stdout);
    assert.match(r.stderr, new RegExp(`brick ${alias} is served by glusterfsd pid ${server.pid}`));
    assert.deepEqual(snapshotDiff(before, snapshotBricks(c.bricks)), []);
  } finally {
    spawnSync('umount', [alias]);
  }
});

test('rebuild --out inside a brick is refused before anything is created', () => {
  const c = fresh();
  const before = snapshotBricks(c.bricks);
  const r = run(c, 'rebuild', '--out', join(c.bricks[1]!, 'inside'), ...c.bricks);
  assert.equal(r.status, 16);
  assert.match(r.stderr, /^gfsck: --out .* overlaps brick .*: bricks are never written\n$/);
  assert.deepEqual(snapshotDiff(before, snapshotBricks(c.bricks)), []);
});

test('a refused rebuild --out leaves no output folder behind', () => {
  const c = fresh();
  const out = join(c.dir, 'out');
  const r = run(c, 'rebuild', '--out', out, '--layout', 'replica:3', ...c.bricks);
  assert.equal(r.status, 16, r.stderr);
  assert.equal(existsSync(out), false);
});

test('gfid: a handle naming itself as parent, and two naming each other, are findings; the other IDs still resolve', () => {
  const c = fresh();
  const [self, a, b, good] = dirHandles(c);
  assert.ok(good, 'the fixture has four directory handles');
  for (const brick of c.bricks) {
    const relink = (gfid: string, target: Buffer) => {
      const link = join(brick, handleRelPath(gfid));
      if (!existsSync(link) && !lstatSync(link, { throwIfNoEntry: false })) return;
      unlinkSync(link);
      symlinkSync(target, link);
    };
    relink(self!.gfid, dirHandleTarget(self!.gfid, Buffer.from('x')));
    relink(a!.gfid, dirHandleTarget(b!.gfid, Buffer.from('a')));
    relink(b!.gfid, dirHandleTarget(a!.gfid, Buffer.from('b')));
  }
  const r = run(c, 'gfid', ...c.bricks, self!.gfid, a!.gfid, good!.gfid);
  assert.equal(r.status, 4, r.stderr);
  assert.doesNotMatch(r.stderr, STACK_TRACE);
  assert.match(r.stdout, new RegExp(`${self!.gfid}: UNRESOLVED`));
  assert.match(r.stdout, /loops/);
  assert.match(r.stdout, new RegExp(`${good!.gfid}: dir`));
  assert.match(r.stdout, /3 ID\(s\): 1 resolved, 2 unresolved/);
});

test('one file with k=0 in trusted.ec.config: the majority decides the layout, the file is a finding', () => {
  const c = fresh();
  const file = sharedFiles(c)[0]!;
  for (const brick of c.bricks) setXattr(join(brick, file), 'trusted.ec.config', Buffer.from('0000080303000200', 'hex'));
  const other = sharedFiles(c)[1]!;
  for (const brick of c.bricks) setXattr(join(brick, other), 'trusted.ec.config', Buffer.from('0000080602000200', 'hex'));
  for (const layout of [[], ['--layout', 'disperse:2+1']]) {
    const r = run(c, 'inspect', '--json', ...layout, ...c.bricks);
    assert.equal(r.status, 4, `${layout.join(' ')}: ${r.stderr}`);
    const lines = r.stdout.split('\n');
    assert.equal(onBricks(lines.filter((l) => l.includes('XATTR_MALFORMED') && l.includes('trusted.ec.config'))), 3);
    assert.equal(onBricks(lines.filter((l) => l.includes('EC_CONFIG_MISMATCH') && l.includes('4+2'))), 3);
    // Malformed is not missing: one finding per brick for the value, not a second one.
    assert.deepEqual(lines.filter((l) => l.includes('EC_XATTRS_MISSING')), [], 'a malformed ec.config is not reported missing too');
  }
});

test('inspect checks every field of trusted.ec.config, as rebuild does', () => {
  const c = fresh();
  const [versioned, chunked] = sharedFiles(c);
  for (const brick of c.bricks) {
    setXattr(join(brick, versioned!), 'trusted.ec.config', Buffer.from('0700080301000200', 'hex'));
    setXattr(join(brick, chunked!), 'trusted.ec.config', Buffer.from('0000080301000007', 'hex'));
  }
  const r = run(c, 'inspect', '--json', '--layout', 'disperse:2+1', ...c.bricks);
  assert.equal(r.status, 4);
  const lines = r.stdout.split('\n').filter((l) => l.includes('XATTR_MALFORMED'));
  assert.equal(onBricks(lines.filter((l) => l.includes('unknown config version 7'))), 3);
  assert.equal(onBricks(lines.filter((l) => l.includes('chunk size 7'))), 3);
});

test('rebuild --out counts and lists every entry below a directory it could not create', () => {
  const c = fresh();
  // The deepest-rooted directory with the most below it, found on brick 0's namespace.
  const top = readdirSync(c.bricks[0]!).filter((n) => n !== '.glusterfs' && lstatSync(join(c.bricks[0]!, n)).isDirectory())
    .map((n) => ({ n, below: sharedFiles(c).filter((f) => f.startsWith(`/${n}/`)).length })).sort((x, y) => y.below - x.below)[0]!;
  assert.ok(top.below > 0);
  const full = run(c, 'rebuild', '--json', '--out', join(c.dir, 'full'), ...c.bricks);
  const total = JSON.parse(full.stdout.trimEnd().split('\n').at(-1)!).entries as number;
  // An immutable file where the directory goes: even --force cannot clear the way.
  const out = join(c.dir, 'out');
  mkdirSync(out);
  writeFileSync(join(out, top.n), '');
  assert.equal(spawnSync('chattr', ['+i', join(out, top.n)]).status, 0, 'chattr +i');
  let r;
  try {
    r = run(c, 'rebuild', '--json', '--force', '--out', out, ...c.bricks);
  } finally {
    spawnSync('chattr', ['-i', join(out, top.n)]);
  }
  assert.equal(r.status, 4, r.stderr);
  const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { kind: string; path: string; status: string; entries: number; failed: number });
  const summary = lines.at(-1)!;
  assert.equal(summary.entries, total, 'every entry of the volume is counted');
  const failed = lines.filter((l) => l.kind === 'entry' && l.status === 'failed').map((l) => l.path);
  for (const f of sharedFiles(c).filter((p) => p.startsWith(`/${top.n}/`))) assert.ok(failed.includes(f), `${f} is listed as failed`);
});

test('SIGINT during --apply: exit 32, the journal named with how to undo it, locks released; the undo restores every byte', async () => {
  const c = fresh();
  for (const { gfid } of dirHandles(c).slice(0, 3)) for (const b of c.bricks) rmSync(join(b, handleRelPath(gfid)), { force: true });
  const before = snapshotBricks(c.bricks);
  const journal = join(c.dir, 'journal');
  const child = spawn(process.execPath, [GFSCK, 'rebuild', '--handles', '--apply', '--journal', journal, ...c.bricks], { env: caseEnv(c, fromSource) });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d; });
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
    if (/^journal: /m.test(stdout)) child.kill('SIGINT');
  });
  const status = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  assert.equal(status, 32, `${stdout}\n${stderr}`);
  assert.match(stderr, new RegExp(`interrupted by SIGINT; the journal ${journal} holds every change made so far: gfsck rebuild --undo ${journal} reverts them`));
  assert.deepEqual(locksOn(c.dir), []);
  const recorded = RepairJournal.open(journal);
  assert.equal(recorded.info().state, 'interrupted', 'the journal says the repair did not finish');
  recorded.close();
  const undo = run(c, 'rebuild', '--undo', journal);
  assert.equal(undo.status, 0, undo.stderr);
  assert.deepEqual(snapshotDiff(before, snapshotBricks(c.bricks)), []);
});

test('a closed stdout ends every reporting command quietly', () => {
  const c = fresh();
  for (const args of [['inspect'], ['inspect', '--json'], ['rebuild', '--handles']]) {
    const line = `"${process.execPath}" "${GFSCK}" ${args.join(' ')} ${c.bricks.join(' ')} | head -1 >/dev/null; echo "\${PIPESTATUS[0]}" >&2`;
    const r = spawnSync('bash', ['-c', line], { encoding: 'utf8', env: caseEnv(c, fromSource) });
    const status = Number(r.stderr.trimEnd().split('\n').at(-1));
    assert.ok([0, 4, 32].includes(status), `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, `${args.join(' ')}: nothing but the status on stderr: ${r.stderr}`);
  }
});

test('small ones: one error code per message, a short volume-id is malformed, gfid on a missing brick is operational, a zombie holds no lock', async () => {
  const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  assert.equal(errorText(enospc), 'ENOSPC: no space left on device, write');
  assert.equal(errorText(Object.assign(new Error('disk full'), { code: 'ENOSPC' })), 'ENOSPC: disk full');

  const c = fresh();
  setXattr(c.bricks[2]!, 'trusted.glusterfs.volume-id', Buffer.from('abcd', 'hex'));
  const r = run(c, 'inspect', '--json', ...c.bricks);
  assert.doesNotMatch(r.stdout, /ROOT_VOLUME_ID_MISSING/);
  assert.match(r.stdout, /XATTR_MALFORMED.*trusted\.glusterfs\.volume-id/);

  const missing = run(c, 'gfid', join(c.dir, 'no-such-brick'), dirHandles(c)[0]!.gfid);
  assert.equal(missing.status, 8, missing.stderr);
  assert.match(missing.stderr, /^gfsck: .*no-such-brick: no such directory\n$/);

  // The shell's child exits at once; its parent becomes `sleep`, which never reaps it.
  const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(parent);
  const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(String(d)))));
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(processAlive(zombie), false);
  assert.equal(processAlive(parent.pid!), true);
});
