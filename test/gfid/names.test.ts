/**
 * `gfsck gfid` and names as the shell passes them, on bricks real GlusterFS wrote
 * (testdata/ec-2p1-clean): a UTF-8 name comes back exactly as typed, from its path (with
 * or without the leading /) and from its gfid. A name that is not UTF-8 (made so on every
 * brick, with gfid2path rewritten as GlusterFS's rename would) is reached through its \xNN
 * escape; given as raw bytes, which Node cannot keep, it is refused with that hint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractBrickArchive } from '../../core/archive/brick-archive.ts';
import { listXattrs, removeXattr, setXattr } from '../../core/fs/xattr.ts';
import { GFID2PATH_PREFIX, gfid2pathKey, gfid2pathValue, isGfid2pathValueOf } from '../../core/xattr/gfid2path.ts';
import { assertOneLineError, gfsck, gfsckEnv, GFSCK } from '../support/cli.ts';
import type { Truth } from '../cluster/truth.ts';

const archive = extractBrickArchive(fileURLToPath(new URL('../../testdata/ec-2p1-clean.tar.gz', import.meta.url)));
test.after(() => archive.remove());
const truth = JSON.parse(readFileSync(archive.truthFile!, 'utf8')) as Truth;
const entry = (path: string) => truth.entries.find((e) => e.path === path)!;
const gfidArgs = (...ids: string[]) => ['gfid', ...archive.bricks, ...ids];

test('a UTF-8 name round-trips exactly: by path, without the leading /, by gfid, and in JSON', () => {
  const file = entry('/ünïcödé 目录/日本語 ファイル.txt');
  const r = gfsck(gfidArgs(file.path, file.path.slice(1), file.gfid));
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.ok(lines.includes(`${file.path}: gfid ${file.gfid}, file`), r.stdout);
  assert.ok(lines.includes(`${file.path.slice(1)} = ${file.path}: gfid ${file.gfid}, file`), r.stdout);
  assert.ok(lines.includes(`    ${file.path}`), r.stdout);
  const json = gfsck(['gfid', '--json', ...archive.bricks, file.path]).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; path?: string });
  assert.deepEqual([json[0]!.id, json[0]!.path], [file.path, file.path]);
});

/** Renames a file on every brick to `name` (bytes), moving its gfid2path record along. */
function renameOnBricks(path: string, name: Buffer, parentGfid: string): void {
  const oldName = Buffer.from(path.slice(path.lastIndexOf('/') + 1));
  for (const brick of archive.bricks) {
    const to = Buffer.concat([Buffer.from(join(brick, path, '..') + '/'), name]);
    renameSync(join(brick, path), to);
    for (const [key, value] of listXattrs(to)) {
      if (key.startsWith(GFID2PATH_PREFIX) && isGfid2pathValueOf(value, parentGfid, oldName)) removeXattr(to, key);
    }
    const value = gfid2pathValue(parentGfid, name);
    setXattr(to, gfid2pathKey(value), value);
  }
}

test('a name that is not UTF-8 is addressed by its \\xNN escape; raw bytes in argv are refused with that hint', () => {
  const file = entry('/with space/name with spaces.txt');
  renameOnBricks(file.path, Buffer.from('caf\xe9.txt', 'latin1'), entry('/with space').gfid);
  const escaped = '/with space/caf\\xe9.txt';
  const r = gfsck(gfidArgs(escaped, file.gfid));
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.ok(lines.includes(`${escaped}: gfid ${file.gfid}, file`), r.stdout);
  assert.ok(lines.includes(`    ${escaped}`), r.stdout);

  // spawn takes strings only: bash's printf puts the raw byte 0xe9 into the argument.
  const raw = spawnSync('bash', ['-c', 'exec "$@" "$(printf "/with space/caf\\351.txt")"', 'bash', process.execPath, GFSCK, ...gfidArgs()],
    { encoding: 'utf8', env: gfsckEnv() });
  assert.equal(raw.status, 16, raw.stdout + raw.stderr);
  assertOneLineError(raw.stderr, /caf\\xef\\xbf\\xbd\.txt: not UTF-8 as given: .* lost; write each as \\xNN/);
});
