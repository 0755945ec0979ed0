/**
 * The undo journal on its own: every kind of change reverted exactly, a repair cut short
 * (rows left pending, made or not), changes that failed, and conflicts with what changed
 * after the repair.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RepairJournal } from '../../core/repair/journal.ts';
import { setXattr } from '../../core/fs/xattr.ts';
import { snapshotDiff, snapshotTree } from './snapshot.ts';

const root = mkdtempSync(join(tmpdir(), 'gfsck-journal-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

/** A small tree with files, a hard link, a symlink and xattrs. */
function tree(name: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'file'), 'content');
  writeFileSync(join(dir, 'manifest.json'), '[]\n');
  symlinkSync('file', join(dir, 'link'));
  setXattr(join(dir, 'file'), 'trusted.kept', Buffer.from('old value'));
  setXattr(join(dir, 'file'), 'trusted.removed', Buffer.from([0, 1, 2]));
  setXattr(join(dir, 'link'), 'trusted.on-symlink', Buffer.from('x'));
  return dir;
}

/** Makes one change of every kind through the journal. */
function changeEverything(j: RepairJournal, dir: string): void {
  j.mkdir(join(dir, 'new-dir'), 0o700, 'mkdir');
  j.mkdir(join(dir, 'new-dir', 'deeper'), 0o700, 'mkdir');
  j.symlink(Buffer.from('../../somewhere/else'), join(dir, 'new-dir', 'deeper', 'handle'), 'symlink');
  j.link(join(dir, 'file'), join(dir, 'new-dir', 'hard'), 'link');
  j.link(join(dir, 'link'), join(dir, 'sub', 'symlink-hard'), 'link a symlink itself');
  j.rename(join(dir, 'sub'), join(dir, 'new-dir', 'moved-sub'), 'rename');
  j.setXattr(join(dir, 'file'), 'trusted.kept', Buffer.from('new value'), 'replace an xattr');
  j.setXattr(join(dir, 'file'), 'trusted.added', Buffer.from('added'), 'add an xattr');
  j.setXattr(join(dir, 'link'), 'trusted.on-symlink', Buffer.from('y'), 'xattr of the symlink, not its target');
  j.removeXattr(join(dir, 'file'), 'trusted.removed', 'remove an xattr');
  j.createFile(join(dir, 'copy'), 0o640, 'create', (fd) => writeSync(fd, 'copied'));
  j.writeFile(join(dir, 'manifest.json'), Buffer.from('[{"x":1}]\n'), 'rewrite');
  j.writeFile(join(dir, 'fresh.json'), Buffer.from('{}\n'), 'new file');
}

test('every change is reverted exactly, newest first', () => {
  const dir = tree('all');
  const before = snapshotTree(dir);
  const file = join(root, 'all.journal');
  const j = RepairJournal.create(file, { command: 'test', bricks: [dir] });
  changeEverything(j, dir);
  j.close('complete');
  assert.ok(snapshotDiff(before, snapshotTree(dir)).length > 10);
  const reopened = RepairJournal.open(file);
  assert.deepEqual([reopened.info().state, reopened.info().changes, reopened.info().bricks], ['complete', 13, [dir]]);
  const reverted: string[] = [];
  const outcome = reopened.undo((step) => reverted.push(step));
  reopened.close();
  assert.deepEqual(outcome, { reverted: 13, conflicts: [] });
  assert.equal(reverted[0], 'new file');
  assert.equal(reverted.at(-1), 'mkdir');
  assert.deepEqual(snapshotDiff(before, snapshotTree(dir)), []);
});

test('a repair cut short is undone from what is on disk: made-but-pending and recorded-but-never-made rows', () => {
  const dir = tree('crash');
  const before = snapshotTree(dir);
  const file = join(root, 'crash.journal');
  const j = RepairJournal.create(file, { command: 'test', bricks: [dir] });
  changeEverything(j, dir);
  // No close(): the last change is made but still 'pending', as after a crash. A second
  // connection, like a later `--undo`, sees every committed row.
  const raw = new Database(file);
  // The next change was recorded and synced, then the process died before making it.
  const st = lstatSync(join(dir, 'file'), { bigint: true });
  raw.prepare(`INSERT INTO changes (step, op, path, other, inode, state, at) VALUES ('cut short', 'rename', ?, ?, ?, 'pending', '')`)
    .run(Buffer.from(join(dir, 'file')), Buffer.from(join(dir, 'never-made')), `${st.dev}:${st.ino}`);
  assert.equal(raw.prepare(`SELECT COALESCE(m.state, c.state) FROM changes c LEFT JOIN marks m ON m.seq = c.seq WHERE step = 'new file'`).pluck().get(), 'pending');
  raw.close();
  const outcome = RepairJournal.open(file).undo();
  assert.deepEqual(outcome, { reverted: 14, conflicts: [] });
  assert.deepEqual(snapshotDiff(before, snapshotTree(dir)), []);
});

test('a change that fails is marked failed and not undone; later changes still are', () => {
  const dir = tree('failed');
  const before = snapshotTree(dir);
  const file = join(root, 'failed.journal');
  const j = RepairJournal.create(file, { command: 'test', bricks: [dir] });
  j.setXattr(join(dir, 'file'), 'trusted.kept', Buffer.from('changed'), 'before');
  assert.throws(() => j.link(join(dir, 'sub'), join(dir, 'dir-link'), 'hard link of a directory'), /EPERM/);
  assert.throws(() => j.rename(join(dir, 'file'), join(dir, 'link'), 'onto an existing name'), /already exists/);
  j.symlink(Buffer.from('x'), join(dir, 'after'), 'after');
  j.close();
  const raw = new Database(file, { readonly: true });
  assert.deepEqual(raw.prepare(`SELECT c.step, COALESCE(m.state, c.state) AS state FROM changes c LEFT JOIN marks m ON m.seq = c.seq ORDER BY c.seq`).all(),
    [{ step: 'before', state: 'done' }, { step: 'hard link of a directory', state: 'failed' }, { step: 'after', state: 'done' }]);
  raw.close();
  const reopened = RepairJournal.open(file);
  assert.deepEqual(reopened.undo(), { reverted: 2, conflicts: [] });
  reopened.close();
  assert.deepEqual(snapshotDiff(before, snapshotTree(dir)), []);
});

test('a journal of format 2, its marks kept in changes.state, is still undone exactly', () => {
  const dir = tree('format2');
  const before = snapshotTree(dir);
  const file = join(root, 'format2.journal');
  const j = RepairJournal.create(file, { command: 'test', bricks: [dir] });
  assert.throws(() => j.link(join(dir, 'sub'), join(dir, 'dir-link'), 'hard link of a directory'), /EPERM/);
  changeEverything(j, dir);
  const made = j.info().changes;
  j.close();
  // Written as gfsck wrote format 2: the marks in the change rows, no marks table.
  const raw = new Database(file);
  raw.exec(`UPDATE changes SET state = (SELECT state FROM marks WHERE marks.seq = changes.seq),
    inode = COALESCE((SELECT inode FROM marks WHERE marks.seq = changes.seq), inode) WHERE seq IN (SELECT seq FROM marks);
    DROP TABLE marks; UPDATE meta SET value = '2' WHERE key = 'version'`);
  assert.equal(raw.prepare(`SELECT COUNT(*) FROM changes WHERE state = 'failed'`).pluck().get(), 1);
  raw.close();
  const reopened = RepairJournal.open(file);
  assert.equal(reopened.info().changes, made);
  assert.deepEqual(reopened.undo(), { reverted: made, conflicts: [] });
  reopened.close();
  assert.deepEqual(snapshotDiff(before, snapshotTree(dir)), []);
});

test('what changed after the repair is reported as a conflict and left alone; the rest is undone', () => {
  const dir = tree('conflict');
  const file = join(root, 'conflict.journal');
  const j = RepairJournal.create(file, { command: 'test', bricks: [dir] });
  j.setXattr(join(dir, 'file'), 'trusted.kept', Buffer.from('by the repair'), 'set');
  j.symlink(Buffer.from('target'), join(dir, 'made'), 'symlink');
  j.close();
  setXattr(join(dir, 'file'), 'trusted.kept', Buffer.from('by someone else'));
  const reopened = RepairJournal.open(file);
  const outcome = reopened.undo();
  assert.equal(outcome.reverted, 1);
  assert.deepEqual(outcome.conflicts.map((c) => [c.step, c.op, c.why]), [['set', 'setxattr', 'changed since the repair']]);
  assert.equal(reopened.info().state, 'partly-undone');
  reopened.close();
});

test('a journal is never reused, and only a gfsck journal is read', () => {
  const file = join(root, 'once.journal');
  RepairJournal.create(file, { command: 'test', bricks: [] }).close();
  assert.throws(() => RepairJournal.create(file, { command: 'test', bricks: [] }), /already exists: give a new --journal file/);
  const other = join(root, 'other.db');
  new Database(other).exec('CREATE TABLE meta (key TEXT, value TEXT)');
  assert.throws(() => RepairJournal.open(other), /is not a gfsck journal/);
  writeFileSync(join(root, 'text'), 'hello');
  assert.throws(() => RepairJournal.open(join(root, 'text')), /is not a gfsck journal/);
  assert.throws(() => RepairJournal.open(join(root, 'missing')), /no such journal/);
});
