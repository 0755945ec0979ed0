/**
 * The package as a user gets it: `npm pack`, then `npm install -g` of the tarball into a
 * fresh prefix without development dependencies (no tsx, no wabt, no TypeScript). The
 * installed gfsck must run every command on the bundled example from its compiled code, doing
 * real work there (the files recovered, the damage found, healed and undone), and load the
 * SIMD kernel from the shipped binary. Takes a minute or two: better-sqlite3 and
 * the native module compile at install.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../core/fs/project.ts';
import type { Truth } from '../cluster/truth.ts';

const work = mkdtempSync(join(tmpdir(), 'gfsck-package-'));
const prefix = join(work, 'prefix');
const installed = join(prefix, 'lib', 'node_modules', 'gfsck');
const bin = join(prefix, 'bin', 'gfsck');

function run(cmd: string, args: string[], cwd = work) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, GFSCK_FROM_SOURCE: '', GFSCK_DEBUG: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The installed command, with only the prefix's bin and the system on PATH. */
const gfsck = (...args: string[]) => run(bin, args);

before(() => {
  const pack = run('npm', ['pack', '--pack-destination', work], projectRoot());
  assert.equal(pack.status, 0, pack.stderr);
  const tarball = readdirSync(work).find((f) => /^gfsck-.*\.tgz$/.test(f));
  assert.ok(tarball, 'npm pack wrote a tarball');
  const install = run('npm', ['install', '-g', '--prefix', prefix, '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', `./${tarball}`]);
  assert.equal(install.status, 0, install.stderr);
});
after(() => rmSync(work, { recursive: true, force: true }));

test('the package holds compiled code and the assembled kernel, not the sources or the build tools', () => {
  assert.ok(existsSync(join(installed, 'dist', 'core', 'ec', 'kernel-simd.wasm')));
  assert.ok(existsSync(join(installed, 'build', 'Release', 'gfsck_native.node')), 'the native module compiled at install');
  for (const absent of ['core', 'cmd', 'test', 'node_modules/tsx', 'node_modules/wabt', 'node_modules/typescript', 'node_modules/esbuild']) {
    assert.ok(!existsSync(join(installed, absent)), `${absent} is not installed`);
  }
});

test('the installed gfsck runs compiled code with the SIMD kernel', () => {
  const r = gfsck('diagnose');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ec-kernel: simd$/m);
  assert.match(r.stdout, new RegExp(`^code: compiled in ${installed}$`, 'm'));
  assert.match(gfsck('--version').stdout, /^\d+\.\d+\.\d+/);
  assert.match(gfsck('--help').stdout, /inspect/);
});

/** The bundled example as `inspect --example --keep` leaves it, with what it is supposed to hold. */
function keptExample(): { bricks: string[]; layout: string[]; truth: Truth } {
  const kept = join(work, 'example');
  const r = gfsck('inspect', '--example', '--keep', kept);
  assert.equal(r.status, 4, r.stderr);
  assert.match(r.stdout, /HANDLE_/);
  assert.match(r.stdout, /gfsck rebuild --handles --volinfo /);
  const bricks = ['b0', 'b1', 'b2'].map((b) => join(kept, 'bricks', b));
  return { bricks, layout: ['--volinfo', join(kept, 'volinfo')], truth: JSON.parse(readFileSync(join(kept, 'truth.json'), 'utf8')) as Truth };
}

test('every command runs on the bundled example and does its work', () => {
  const { bricks, layout, truth } = keptExample();
  const healthy = truth.entries.find((e) => e.path === '/h/healthy')!;
  const wrongCopy = truth.damage.find((d) => d.kind === 'wrong-gfid-on-copy')!;

  const gfid = gfsck('gfid', ...bricks, healthy.gfid);
  assert.equal(gfid.status, 0, gfid.stderr);
  assert.match(gfid.stdout, new RegExp(`^ {4}${healthy.path}$`, 'm'));

  const xattrs = gfsck('xattrs', ...layout, ...bricks, healthy.path, wrongCopy.path!);
  assert.equal(xattrs.status, 4, xattrs.stderr);
  assert.match(xattrs.stdout, new RegExp(`^ {2} {3}trusted\\.ec\\.size +(${healthy.size} bytes +){2}${healthy.size} bytes$`, 'm'));
  const { gfidElsewhere, gfidOnThisBrick } = wrongCopy.data as { gfidElsewhere: string; gfidOnThisBrick: string };
  assert.match(xattrs.stdout, new RegExp(`^ {2}\\* {2}trusted\\.gfid +${gfidElsewhere} +${gfidElsewhere} +${gfidOnThisBrick}$`, 'm'), 'the copy with a wrong gfid is marked');

  const out = join(work, 'out');
  const rebuilt = gfsck('rebuild', '--out', out, ...layout, ...bricks);
  assert.equal(rebuilt.status, 0, rebuilt.stderr);
  assert.equal(createHash('sha256').update(readFileSync(join(out, healthy.path))).digest('hex'), healthy.sha256);

  const handles = gfsck('rebuild', '--handles', ...layout, ...bricks);
  assert.equal(handles.status, 4, handles.stderr);
  assert.match(handles.stdout, new RegExp(`^would #2 ${bricks[2]}: SET_GFID_MISMATCH ${wrongCopy.path}: set trusted\\.gfid`, 'm'));

  const sources = gfsck('heal', '--sources', ...layout, ...bricks);
  assert.equal(sources.status, 4, sources.stderr);
  assert.match(sources.stdout, new RegExp(`^ {2}${wrongCopy.path} +\\S+ +sources #0,#1 +sinks #2$`, 'm'));

  // The apply writes: on a copy, so the runs above and below see the example as shipped.
  const copy = join(work, 'healed');
  assert.equal(run('cp', ['-a', join(work, 'example'), copy]).status, 0);
  const copyBricks = ['b0', 'b1', 'b2'].map((b) => join(copy, 'bricks', b));
  const journal = join(work, 'heal.journal');
  const applied = gfsck('heal', '--apply', '--journal', journal, '--volinfo', join(copy, 'volinfo'), ...copyBricks);
  assert.equal(applied.status, 1, applied.stderr);
  assert.match(applied.stdout, new RegExp(`^healed ${wrongCopy.path}$`, 'm'));
  const after = gfsck('xattrs', '--json', ...copyBricks, wrongCopy.path!);
  const healed = JSON.parse(after.stdout.split('\n')[0]!) as { differs: string[]; bricks: Array<{ xattrs: Record<string, { gfid?: string }> }> };
  assert.deepEqual(healed.bricks.map((b) => b.xattrs['trusted.gfid']?.gfid), [gfidElsewhere, gfidElsewhere, gfidElsewhere], 'healed: every copy carries the gfid');
  assert.deepEqual(healed.differs, [], 'healed: the copies agree on every xattr');
  assert.equal(after.status, 0, after.stdout);
  const undone = gfsck('heal', '--undo', journal);
  assert.equal(undone.status, 0, undone.stderr);
  assert.match(undone.stdout, /change\(s\) reverted/);
});
