/**
 * `gfsck rebuild --handles/--undo` from the command line: exit codes 0/1/4/8/16 and bad
 * input reported as one line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyntheticVolume } from '../support/synthetic-volume.ts';
import { gfsck, assertOneLineError } from '../support/cli.ts';
import { handleRelPath } from '../../core/gfid-tree/gfid.ts';

const root = mkdtempSync(join(tmpdir(), 'gfsck-rebuild-cli-'));
chmodSync(root, 0o755);
process.env.GFSCK_STATE_DIR = join(root, 'state');
test.after(() => rmSync(root, { recursive: true, force: true }));

const clean = new SyntheticVolume(join(root, 'clean'), 2, 1);
clean.mkdir('/d');
clean.file('/d/f', 3000);

test('a clean set: nothing to do, exit 0, in a dry run and with --apply (no journal made)', () => {
  let r = gfsck(['rebuild', '--handles', ...clean.bricks]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^0 repair\(s\) to make, 0 problem\(s\) they leave$/m);
  r = gfsck(['rebuild', '--handles', '--apply', ...clean.bricks]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^0 repair\(s\) made, 0 failed, 0 problem\(s\) left$/m);
  assert.doesNotMatch(r.stdout, /undo journal/);
});

test('text output: one line per repair, then the summary with the undo command; exit 1', () => {
  const v = new SyntheticVolume(join(root, 'text'), 2, 1);
  v.file('/f', 100);
  unlinkSync(join(v.bricks[1]!, handleRelPath(v.gfidOf('/f'))));
  const dry = gfsck(['rebuild', '--handles', ...v.bricks]);
  assert.equal(dry.status, 4);
  assert.deepEqual(dry.stdout.trimEnd().split('\n'), [
    `would #1 ${v.bricks[1]}: HANDLE_MISSING /f: link ${handleRelPath(v.gfidOf('/f'))} to /f`,
    '',
    '1 repair(s) to make, 0 problem(s) they leave: nothing was changed; --apply makes them',
  ]);
  const journal = join(root, 'text.journal');
  const applied = gfsck(['rebuild', '--handles', '--apply', '--journal', journal, ...v.bricks]);
  assert.equal(applied.status, 1, applied.stderr);
  assert.deepEqual(applied.stdout.trimEnd().split('\n'), [
    `journal: ${journal}`,
    `done #1 ${v.bricks[1]}: HANDLE_MISSING /f: link ${handleRelPath(v.gfidOf('/f'))} to /f`,
    '',
    '1 repair(s) made, 0 failed, 0 problem(s) left',
    `undo journal: ${journal} (gfsck rebuild --undo ${journal})`,
  ]);
  const undo = gfsck(['rebuild', '--undo', journal]);
  assert.equal(undo.status, 0);
  assert.match(undo.stdout, new RegExp(`^undone: link ${handleRelPath(v.gfidOf('/f'))} to /f$`, 'm'));
});

test('usage errors: one line, exit 16', () => {
  const brickDir = clean.bricks[0]!;
  const cases: Array<[string[], RegExp]> = [
    [['rebuild', ...clean.bricks], /exactly one of --out DIR, --handles or --undo JOURNAL/],
    [['rebuild', '--handles', '--undo', 'x.journal', ...clean.bricks], /exactly one of/],
    [['rebuild', '--handles'], /no brick directories given/],
    [['rebuild', '--handles', '--journal', join(root, 'j'), ...clean.bricks], /--journal needs --apply/],
    [['rebuild', '--undo', join(root, 'j'), ...clean.bricks], /--undo takes no bricks: the journal names them/],
    [['rebuild', '--undo', join(root, 'j'), '--apply'], /--undo cannot be combined with --apply/],
    [['rebuild', '--handles', '--apply', '--journal', join(brickDir, 'inside.journal'), ...clean.bricks], /the journal .* must not be inside brick/],
    [['rebuild', '--handles', '--adopt', join(brickDir, '.glusterfs', 'lost'), ...clean.bricks], /the --adopt folder .* must not be inside brick/],
    [['rebuild', '--handles', '--jobs', '0', ...clean.bricks], /--jobs takes a positive whole number/],
  ];
  for (const [args, pattern] of cases) {
    const r = gfsck(args);
    assert.equal(r.status, 16, `${args.join(' ')}: ${r.stderr}`);
    assertOneLineError(r.stderr, pattern);
  }
});

test('operational errors: one line, exit 8', () => {
  const notJournal = join(root, 'not-a-journal');
  writeFileSync(notJournal, 'text');
  const used = join(root, 'used.journal');
  writeFileSync(used, '');
  mkdirSync(join(root, 'plain'), { recursive: true });
  const badAdopt = join(root, 'bad-adopt');
  mkdirSync(badAdopt, { recursive: true });
  writeFileSync(join(badAdopt, 'manifest.json'), '{"torn": ');
  const cases: Array<[string[], RegExp, string?]> = [
    [['rebuild', '--handles', join(root, 'missing')], /missing: no such directory/],
    [['rebuild', '--handles', join(root, 'plain')], /not a GlusterFS brick/],
    [['rebuild', '--undo', join(root, 'nothing.journal')], /no such journal/],
    [['rebuild', '--undo', notJournal], /is not a gfsck journal/],
    [['rebuild', '--handles', '--apply', '--journal', used, ...clean.bricks], /already exists: give a new --journal file/],
    [['rebuild', '--handles', '--adopt', badAdopt, ...clean.bricks], /manifest\.json is not a gfsck adopt manifest: move it away or repair it first/],
    [['rebuild', '--handles', ...clean.bricks], /trusted\.\* xattrs need root/, 'nobody'],
  ];
  for (const [args, pattern, user] of cases) {
    const r = gfsck(args, { user });
    assert.equal(r.status, 8, `${args.join(' ')}: ${r.stderr}`);
    assertOneLineError(r.stderr, pattern);
  }
});
