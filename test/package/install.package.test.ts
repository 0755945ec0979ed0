/**
 * The package as a user gets it: `npm pack`, then `npm install -g` of the tarball into a
 * fresh prefix without development dependencies (no tsx, no wabt, no TypeScript). The
 * installed gfsck must run every command on the bundled example from its compiled code and
 * load the SIMD kernel from the shipped binary. Takes a minute or two: better-sqlite3 and
 * the native module compile at install.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../core/fs/project.ts';

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

test('every command runs on the bundled example', () => {
  const example = gfsck('inspect', '--example');
  assert.equal(example.status, 4, example.stderr);
  assert.match(example.stdout, /HANDLE_/);
});
