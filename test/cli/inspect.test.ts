import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyntheticVolume } from '../support/synthetic-volume.ts';
import { gfsck, assertOneLineError } from '../support/cli.ts';
import { handleRelPath } from '../../core/gfid-tree/gfid.ts';

const root = mkdtempSync(join(tmpdir(), 'gfsck-cli-'));
chmodSync(root, 0o755);
const v = new SyntheticVolume(join(root, 'vol'), 2, 1);
v.mkdir('/dir');
v.file('/dir/file', 5000);
test.after(() => rmSync(root, { recursive: true, force: true }));

test('a clean set exits 0 and says so', () => {
  const r = gfsck(['inspect', ...v.bricks]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Volume: disperse 2\+1, layout inferred from the bricks; 3 bricks in 1 set\.\n/);
  assert.match(r.stdout, /\nNo problems found\.\n$/);
});

test('--json gives one object per finding and a closing summary; damage exits 4', () => {
  const damaged = new SyntheticVolume(join(root, 'damaged'), 2, 1);
  damaged.file('/f', 100);
  unlinkSync(join(damaged.bricks[1]!, handleRelPath(damaged.gfidOf('/f'))));
  const r = gfsck(['inspect', '--json', '--layout', 'disperse:2+1', ...damaged.bricks]);
  assert.equal(r.status, 4, r.stderr);
  const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  const findings = lines.filter((l) => l.type === 'finding');
  assert.deepEqual(findings.map((f) => [f.code, f.severity, f.brick, f.path, f.gfid]),
    [['HANDLE_MISSING', 'error', damaged.bricks[1], '/f', damaged.gfidOf('/f')]]);
  assert.equal(typeof findings[0].message, 'string');
  assert.equal(typeof findings[0].fix, 'string');
  const summary = lines.at(-1);
  assert.equal(summary.type, 'summary');
  assert.equal(summary.errors, 1);
  assert.equal(summary.layout, 'disperse 2+1');
});

test('operational errors exit 8 with one line', () => {
  let r = gfsck(['inspect', join(root, 'missing')]);
  assert.equal(r.status, 8);
  assertOneLineError(r.stderr, /missing: no such directory/);
  r = gfsck(['inspect', root]);
  assert.equal(r.status, 8);
  assertOneLineError(r.stderr, /not a GlusterFS brick/);
  r = gfsck(['inspect', ...v.bricks], { user: 'nobody' });
  assert.equal(r.status, 8);
  assertOneLineError(r.stderr, /trusted\.\* xattrs need root/);
});

test('usage errors exit 16 with one line', () => {
  for (const [args, pattern] of [
    [['inspect', '--layout', 'raid5', ...v.bricks], /--layout raid5/],
    [['inspect', '--layout', 'disperse:4+2', ...v.bricks], /do not divide|disperse 4\+2/],
    [['inspect', '--layout', 'replica:3', ...v.bricks], /trusted\.ec\.config/],
    [['inspect', '--jobs', '0', ...v.bricks], /--jobs/],
    [['inspect', v.bricks[0]!, v.bricks[0]!], /given twice/],
    [['inspect', '--no-such-flag'], /unknown option/],
    [['frobnicate'], /unknown command/],
  ] as const) {
    const r = gfsck([...args]);
    assert.equal(r.status, 16, `${args.join(' ')}: ${r.stderr}`);
    assertOneLineError(r.stderr, pattern);
  }
});

test('--db keeps a catalog that a rerun reuses and admins can query', () => {
  const db = join(root, 'catalog.db');
  assert.equal(gfsck(['inspect', '--db', db, ...v.bricks]).status, 0);
  assert.equal(gfsck(['inspect', '--db', db, ...v.bricks]).status, 0);
  const r = gfsck(['inspect', '--db', db, v.bricks[0]!]);
  assert.equal(r.status, 16);
  assertOneLineError(r.stderr, /made for other bricks/);
});
