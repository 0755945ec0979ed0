/**
 * `gfsck rebuild --handles` on synthetic sets: every repair action planned exactly, a dry
 * run that writes nothing, --apply leaving no handle finding, the undo journal restoring
 * every byte, xattr, inode link and symlink, what is left and why, and a repair that needs
 * a second round.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyntheticVolume } from '../support/synthetic-volume.ts';
import { gfsck } from '../support/cli.ts';
import { inspectFindings } from '../support/inspect-run.ts';
import { getXattr, removeXattr, setXattr } from '../../core/fs/xattr.ts';
import { ROOT_GFID, dirHandleTarget, gfidToBytes, handleRelPath } from '../../core/gfid-tree/gfid.ts';
import { gfid2pathKey, gfid2pathValue } from '../../core/xattr/gfid2path.ts';
import { HANDLE_WORK_CODES } from '../../core/repair/handle-plan.ts';
import { PROBLEMS } from '../../core/check/problems.ts';
import { QUARANTINE_DIR } from '../../core/repair/session.ts';
import { MANIFEST, brickFolderName, type AdoptRecord } from '../../core/repair/adopt.ts';
import { ALIAS, MADE_UP, buildDamagedSet } from './damaged-set.ts';
import { snapshotDiff, snapshotTree } from './snapshot.ts';

const root = mkdtempSync(join(tmpdir(), 'gfsck-repair-'));
// Default journals go to $GFSCK_STATE_DIR/journals: keep them in the test's folder.
process.env.GFSCK_STATE_DIR = join(root, 'state');
test.after(() => rmSync(root, { recursive: true, force: true }));

interface JsonLine { type: string; status?: string; brick?: string; code?: string; subject?: string; action?: string; why?: string; [k: string]: unknown }

function rebuild(args: string[]): { status: number | null; lines: JsonLine[]; stderr: string } {
  const r = gfsck(['rebuild', '--json', ...args]);
  return { status: r.status, lines: r.stdout.trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as JsonLine), stderr: r.stderr };
}

/** `<path relative to the run folder> <type>` of everything a repair moved into a brick's quarantine. */
function quarantined(brick: string): string[] {
  const top = join(brick, QUARANTINE_DIR);
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir)) {
      const st = lstatSync(join(dir, name));
      const path = rel ? `${rel}/${name}` : name;
      // Moved objects sit at their brick-relative path; the folders above them are mirrors.
      if (st.isDirectory() && !/^[0-9a-f-]{36}$/.test(name)) walk(join(dir, name), path);
      else out.push(`${path} ${st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'file'}`);
    }
  };
  for (const run of existsSync(top) ? readdirSync(top) : []) walk(join(top, run), '');
  return out.sort();
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const handleFindings = async (bricks: string[]) => (await inspectFindings(bricks)).filter((f) => HANDLE_WORK_CODES.includes(f.code));

test('the dry run lists one line per repair, exactly the right ones, exits 4 and writes nothing', () => {
  const { v, bricks } = buildDamagedSet(join(root, 'dry'));
  const before = bricks.map(snapshotTree);
  const { status, lines } = rebuild(['--handles', ...bricks]);
  assert.equal(status, 4);
  const g = (p: string) => v.gfidOf(p);
  const b = (brick: string | undefined) => `b${bricks.indexOf(brick!)}`;
  const expected: Array<[string, string, string, RegExp]> = [
    ['GFID_MISSING', 'b0', '/d1/f8', new RegExp(`^set trusted\\.gfid of /d1/f8 to ${g('/d1/f8')} \\(was missing; #1,#2 agree\\)$`)],
    ['SET_GFID_MISMATCH', 'b0', '/d1/f5', new RegExp(`^set trusted\\.gfid of /d1/f5 to ${g('/d1/f5')} \\(was ${MADE_UP}; `)],
    ['SET_GFID_MISMATCH', 'b0', '/d5', new RegExp(`^set trusted\\.gfid of /d5 to ${g('/d5')} \\(was ${g('/d6')}; `)],
    ['ROOT_HANDLE_BAD', 'b1', '/', /^move aside \.glusterfs\/00\/00\/0{8}-0{4}-0{4}-0{4}-0{11}1 \(a directory\) and symlink .* -> \.\.\/\.\.\/\.\. \(the root handle\)$/],
    ['ROOT_HANDLE_MISSING', 'b2', '/', /^symlink \.glusterfs\/00\/00\/\S+ -> \.\.\/\.\.\/\.\. \(the root handle\)$/],
    ['HANDLE_MISSING', 'b0', '/d2', new RegExp(`^symlink -> \\.\\./\\.\\./00/00/${ROOT_GFID}/d2 as \\.glusterfs/\\S+/${g('/d2')}$`)],
    ['HANDLE_MISSING', 'b0', '/d1/f1', new RegExp(`^link \\.glusterfs/\\S+/${g('/d1/f1')} to /d1/f1$`)],
    ['HANDLE_MISSING', 'b2', '/d1/link', new RegExp(`^link \\.glusterfs/\\S+/${g('/d1/link')} to /d1/link$`)],
    ['HANDLE_MISSING', 'b0', '/d1/f7', new RegExp(`^move \\.glusterfs/ff/ff/${g('/d1/f7')} to \\.glusterfs/${g('/d1/f7').slice(0, 2)}/`)],
    ['HANDLE_WRONG_TYPE', 'b0', '/d1/f2', /^move aside \S+ \(a symlink -> \.\.\/\.\.\/\.\.\/d1\/f2\), then link \S+ to \/d1\/f2$/],
    ['HANDLE_IS_DIRECTORY', 'b0', '/d1/f3', /^move aside \S+ \(a directory\), then link \S+ to \/d1\/f3$/],
    ['HANDLE_WRONG_INODE', 'b0', '/d1/f11', /^move aside \S+ \(a file, inode \d+\), then link \S+ to \/d1\/f11$/],
    ['DIR_HANDLE_DANGLING', 'b0', '/d3-renamed', new RegExp(`^move aside \\S+ \\(a symlink -> \\S+/d3\\), then symlink -> \\.\\./\\.\\./00/00/${ROOT_GFID}/d3-renamed as `)],
    ['DIR_HANDLE_MALFORMED', 'b0', '/d4', new RegExp(`^move aside \\S+ \\(a symlink -> garbage\\), then symlink -> \\.\\./\\.\\./00/00/${ROOT_GFID}/d4 as `)],
    ['HANDLE_GFID_MISMATCH', 'b1', '/d1/f6', new RegExp(`^move aside \\.glusterfs/66/66/${ALIAS} \\(a file, inode \\d+\\): a stale alias`)],
    ['GFID2PATH_BAD_KEY', 'b1', '/d1/f10', /^rewrite trusted\.gfid2path\.0123456789abcdef under trusted\.gfid2path\.[0-9a-f]{16} on \/d1\/f10/],
    ['GFID2PATH_MISSING', 'b2', '/d1/f9', new RegExp(`^set trusted\\.gfid2path\\.[0-9a-f]{16} = ${g('/d1')}/f9 on /d1/f9$`)],
  ];
  const actions = lines.filter((l) => l.type === 'action');
  assert.ok(actions.every((a) => a.status === 'planned'));
  assert.deepEqual(actions.map((a) => [a.code, b(a.brick), a.subject]).sort(), expected.map(([c, br, s]) => [c, br, s]).sort());
  for (const [code, br, subject, text] of expected) {
    const a = actions.find((x) => x.code === code && b(x.brick) === br && x.subject === subject)!;
    assert.match(a.action!, text, `${code} ${subject}`);
  }
  const left = lines.filter((l) => l.type === 'left');
  assert.deepEqual(left.map((l) => [l.code, b(l.brick), l.subject]), [['HANDLE_ORPHAN', 'b0', g('/d1/f4')]]);
  assert.match(left[0]!.why!, /last known as \/d1\/f4\).*--adopt DIR saves it.*still name it, so a heal recreates the name here/);
  bricks.forEach((brick, i) => assert.deepEqual(snapshotDiff(before[i]!, snapshotTree(brick)), [], `brick ${i} changed by a dry run`));
  assert.equal(existsSync(join(root, 'state')), false, 'a dry run makes no journal');
});

test('--apply makes every repair, inspect then finds no handle problem, and --undo restores every byte', async () => {
  const { v, bricks, orphan } = buildDamagedSet(join(root, 'apply'));
  const adoptDir = join(root, 'adopted');
  const orphanSha = sha256(orphan.handle);
  const before = bricks.map(snapshotTree);

  const { status, lines, stderr } = rebuild(['--handles', '--apply', '--adopt', adoptDir, ...bricks]);
  assert.equal(status, 1, stderr);
  const summary = lines.at(-1)!;
  assert.deepEqual([summary.done, summary.failed, summary.left], [18, 0, 0]);
  const journal = summary.journal as string;
  assert.ok(journal.startsWith(join(root, 'state', 'journals', 'rebuild-handles-')), journal);
  assert.deepEqual(await handleFindings(bricks), []);
  // What remains is the namespace brick 0 lost or renamed on its own: entry heal's work.
  const remaining = await inspectFindings(bricks);
  assert.deepEqual(remaining.filter((f) => PROBLEMS[f.code].pass !== 'sets' || PROBLEMS[f.code].fixBy !== 'heal').map((f) => f.message), []);
  assert.deepEqual([...new Set(remaining.map((f) => f.path))].sort(), ['/d1/f4', '/d3', '/d3-renamed']);

  // What was replaced is in the quarantine, not gone.
  const [b0, b1] = bricks;
  assert.equal(readdirSync(join(b0, QUARANTINE_DIR)).length, 1, 'one folder per run');
  const q0 = quarantined(b0);
  assert.deepEqual(q0.map((l) => l.split(' ')[1]).sort(), ['dir', 'file', 'file', 'symlink', 'symlink', 'symlink'], q0.join('\n'));
  assert.ok(existsSync(join(b0, QUARANTINE_DIR, readdirSync(join(b0, QUARANTINE_DIR))[0]!, handleRelPath(v.gfidOf('/d1/f3')), 'left-behind')),
    'a directory in the handle tree is moved aside with its content');
  assert.deepEqual(quarantined(b1), [`.glusterfs/00/00/${ROOT_GFID} dir`, `.glusterfs/66/66/${ALIAS} file`]);

  // The orphan is saved beside its manifest record: a hard link (same filesystem), same bytes.
  const saved = join(adoptDir, brickFolderName(b0), orphan.gfid);
  assert.equal(sha256(saved), orphanSha);
  const manifest = JSON.parse(readFileSync(join(adoptDir, MANIFEST), 'utf8')) as AdoptRecord[];
  assert.equal(manifest.length, 1);
  const [record] = manifest as [AdoptRecord];
  assert.deepEqual([record.gfid, record.type, record.size, record.brick, record.method, record.saved, record.lastNames.map((n) => n.path)],
    [orphan.gfid, 'file', statSync(saved).size, b0, 'hardlink', join(brickFolderName(b0), orphan.gfid), ['/d1/f4']]);
  assert.equal(statSync(record.quarantined).ino, statSync(saved).ino);
  assert.ok(record.xattrs['trusted.ec.size'], 'the manifest keeps the fragment\'s EC xattrs');

  const undo = gfsck(['rebuild', '--undo', journal]);
  assert.equal(undo.status, 0, undo.stderr + undo.stdout);
  bricks.forEach((brick, i) => assert.deepEqual(snapshotDiff(before[i]!, snapshotTree(brick)), [], `brick ${i} after undo`));
  assert.equal(existsSync(adoptDir), false, 'undo removes the adopt folder it created');
  const again = gfsck(['rebuild', '--undo', journal]);
  assert.equal(again.status, 8);
  assert.match(again.stderr, /already undone/);
});

test('what cannot be repaired safely is left, each with why: orphans without --adopt, a gfid split-brain without majority', () => {
  const v = new SyntheticVolume(join(root, 'left'), 2, 1);
  v.file('/gone', 4000);
  v.file('/split', 100);
  v.file('/fine', 100);
  const [b0, b1] = v.bricks as [string, string, string];
  for (const b of v.bricks) unlinkSync(join(b, 'gone'));
  setXattr(join(b0, 'split'), 'trusted.gfid', gfidToBytes(MADE_UP));
  setXattr(join(b1, 'split'), 'trusted.gfid', gfidToBytes(ALIAS));
  unlinkSync(join(b0, handleRelPath(v.gfidOf('/fine'))));
  const before = v.bricks.map(snapshotTree);
  const { status, lines } = rebuild(['--handles', '--apply', ...v.bricks]);
  assert.equal(status, 4);
  const b = (brick: string | undefined) => `b${v.bricks.indexOf(brick!)}`;
  assert.deepEqual(lines.filter((l) => l.type === 'action').map((a) => [a.status, a.code, b(a.brick), a.subject]),
    [['done', 'HANDLE_MISSING', 'b0', '/fine']], 'the healthy part is still repaired');
  const left = lines.filter((l) => l.type === 'left').map((l) => [l.code, b(l.brick), l.subject, l.why]);
  const orphans = left.filter(([code]) => code === 'HANDLE_ORPHAN');
  assert.deepEqual(orphans.map(([, br, subject]) => [br, subject]), [['b0', v.gfidOf('/gone')], ['b1', v.gfidOf('/gone')], ['b2', v.gfidOf('/gone')]]);
  assert.ok(orphans.every(([, , , why]) => /last known as \/gone\): it may hold the only copy of its data; --adopt DIR saves it/.test(why!)));
  const split = left.filter(([code]) => code === 'SET_GFID_MISMATCH');
  assert.deepEqual(split.map(([, br]) => br), ['b0', 'b1', 'b2']);
  assert.ok(split.every(([, , subject, why]) => subject === '/split' && /no gfid is held by a majority of the set's 3 bricks/.test(why!)));
  assert.ok(left.every(([code]) => ['HANDLE_ORPHAN', 'SET_GFID_MISMATCH', 'HANDLE_MISSING', 'HANDLE_GFID_MISMATCH'].includes(code!)));
  // Only the one repair changed anything: the orphans and the disputed handles are untouched.
  const changed = snapshotDiff(before[0]!, snapshotTree(b0));
  assert.ok(changed.every((line) => line.includes(v.gfidOf('/fine').slice(0, 2)) || line.includes('/fine')), changed.join('\n'));
  assert.deepEqual(snapshotDiff(before[1]!, snapshotTree(b1)), []);
});

test('a directory that gets its gfid back is finished in a second round: its subdirectory\'s handle follows it', async () => {
  const v = new SyntheticVolume(join(root, 'rounds'), 2, 1);
  v.mkdir('/p');
  v.mkdir('/p/c');
  v.file('/p/f', 100);
  const b0 = v.bricks[0]!;
  // Brick 0 holds /p under another gfid, consistently: handle, child handle and gfid2path agree with it.
  const [p, c] = [v.gfidOf('/p'), v.gfidOf('/p/c')];
  setXattr(join(b0, 'p'), 'trusted.gfid', gfidToBytes(MADE_UP));
  mkdirSync(join(b0, '.glusterfs', MADE_UP.slice(0, 2), MADE_UP.slice(2, 4)), { recursive: true });
  renameSync(join(b0, handleRelPath(p)), join(b0, handleRelPath(MADE_UP)));
  unlinkSync(join(b0, handleRelPath(c)));
  symlinkSync(dirHandleTarget(MADE_UP, Buffer.from('c')), join(b0, handleRelPath(c)));
  const f = join(b0, 'p/f');
  removeXattr(f, gfid2pathKey(gfid2pathValue(p, Buffer.from('f'))));
  setXattr(f, gfid2pathKey(gfid2pathValue(MADE_UP, Buffer.from('f'))), gfid2pathValue(MADE_UP, Buffer.from('f')));

  const r = gfsck(['rebuild', '--handles', '--apply', ...v.bricks]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^round 2: the re-inspection found more to repair$/m);
  assert.match(r.stdout, new RegExp(`^done .*DIR_HANDLE_DANGLING /p/c: move aside .* then symlink -> \\.\\./\\.\\./${p.slice(0, 2)}/${p.slice(2, 4)}/${p}/c as `, 'm'));
  assert.match(r.stdout, new RegExp(`^done .*GFID2PATH_MISSING /p/f: set trusted\\.gfid2path\\.\\S+ = ${p}/f on /p/f$`, 'm'));
  assert.deepEqual(await handleFindings(v.bricks), []);
  assert.equal(readlinkSync(join(b0, handleRelPath(c))), dirHandleTarget(p, Buffer.from('c')).toString());
});

test('orphans adopted across filesystems are copied with their holes', () => {
  const shm = '/dev/shm';
  const v = new SyntheticVolume(join(root, 'sparse'), 2, 1);
  v.file('/holey', 8 << 20); // a 4 MiB fragment per brick, all holes
  const b0 = v.bricks[0]!;
  const fragment = join(b0, 'holey');
  const full = statSync(fragment).size;
  const fd = openSync(fragment, 'r+');
  writeSync(fd, Buffer.from('head of the data'), 0, 16, 0);
  writeSync(fd, Buffer.from('tail of the data'), 0, 16, full - 16);
  closeSync(fd);
  unlinkSync(fragment);
  const handle = join(b0, handleRelPath(v.gfidOf('/holey')));
  const before = sha256(handle);
  const adoptDir = mkdtempSync(join(shm, 'gfsck-adopt-'));
  try {
    assert.notEqual(statSync(adoptDir).dev, statSync(b0).dev, 'the adopt folder must be on another filesystem for this test');
    const { status, lines } = rebuild(['--handles', '--apply', '--adopt', adoptDir, '--journal', join(root, 'sparse.journal'), ...v.bricks]);
    assert.equal(status, 1, JSON.stringify(lines));
    const saved = join(adoptDir, brickFolderName(b0), v.gfidOf('/holey'));
    assert.equal(sha256(saved), before);
    const st = statSync(saved);
    assert.equal(st.size, full);
    assert.ok(st.blocks * 512 <= 64 * 1024, `the copy allocates ${st.blocks * 512} bytes of ${st.size}: holes were filled`);
    const [record] = JSON.parse(readFileSync(join(adoptDir, MANIFEST), 'utf8')) as [AdoptRecord];
    assert.equal(record.method, 'copy');
    assert.equal(getXattr(record.quarantined, 'trusted.gfid')?.toString('hex'), v.gfidOf('/holey').replace(/-/g, ''));
  } finally {
    rmSync(adoptDir, { recursive: true, force: true });
  }
});

test('a wrong gfid on an inode with two names is corrected once, for both', async () => {
  const v = new SyntheticVolume(join(root, 'hardlinks'), 2, 1);
  v.mkdir('/a');
  v.file('/a/one', 500);
  v.hardlink('/a/one', '/a/two');
  const b0 = v.bricks[0]!;
  setXattr(join(b0, 'a/one'), 'trusted.gfid', gfidToBytes(MADE_UP)); // one inode: both names change
  const { status, lines } = rebuild(['--handles', '--apply', ...v.bricks]);
  assert.equal(status, 1, JSON.stringify(lines));
  assert.deepEqual(lines.filter((l) => l.type === 'action').map((a) => [a.status, a.code, a.subject]),
    [['done', 'SET_GFID_MISMATCH', '/a/one']]);
  assert.equal(getXattr(join(b0, 'a/two'), 'trusted.gfid')?.toString('hex'), v.gfidOf('/a/one').replace(/-/g, ''));
  assert.deepEqual(await inspectFindings(v.bricks), []);
});
