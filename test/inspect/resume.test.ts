/**
 * An interrupted scan kept with --db resumes from its saved queue and ends where a full scan
 * ends; a later rerun on the same catalog picks up what changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SyntheticVolume } from '../support/synthetic-volume.ts';
import { GFSCK, gfsck } from '../support/cli.ts';
import { removeXattr } from '../../core/fs/xattr.ts';
import { gfid2pathKey, gfid2pathValue } from '../../core/xattr/gfid2path.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Entries and queue length of the brick being scanned, read from the catalog (WAL lets us read while it writes). */
function scanState(dbFile: string): { state: string; entries: number; queued: number } | null {
  try {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      const brick = db.prepare(`SELECT id, state FROM bricks ORDER BY position LIMIT 1`).get() as { id: number; state: string } | undefined;
      if (!brick) return null;
      const count = (sql: string) => db.prepare(sql).pluck().get(brick.id) as number;
      return { state: brick.state, entries: count(`SELECT COUNT(*) FROM entries WHERE brick_id = ?`), queued: count(`SELECT COUNT(*) FROM walk_queue WHERE brick_id = ?`) };
    } finally {
      db.close();
    }
  } catch {
    return null; // not created yet, or busy
  }
}

test('a scan killed half-way resumes with --resume and finds what a full scan finds', { timeout: 120_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'gfsck-resume-'));
  try {
    const v = new SyntheticVolume(join(root, 'vol'), 2, 1, 'resume', 1);
    v.populate(200, 60, (f) => f * 300);
    const dbFile = join(root, 'catalog.db');
    const child = spawn(process.execPath, [GFSCK, 'inspect', '--jobs', '1', '--db', dbFile, v.bricks[0]!], {
      stdio: 'ignore', env: { ...process.env, GFSCK_FROM_SOURCE: '1' },
    });
    let interrupted: ReturnType<typeof scanState> = null;
    for (let i = 0; i < 2000 && child.exitCode === null; i++) {
      const s = scanState(dbFile);
      if (s && s.state === 'scanning' && s.entries > 1000 && s.queued > 0) {
        child.kill('SIGKILL');
        interrupted = s;
        break;
      }
      await sleep(5);
    }
    await new Promise((r) => child.once('exit', r));
    assert.ok(interrupted, 'the scan was caught half-way');

    const resumed = gfsck(['inspect', '--json', '--db', dbFile, '--resume', v.bricks[0]!]);
    // One brick of a 2+1 set: nothing found on it, but the set was not compared (exit 4).
    assert.equal(resumed.status, 4, resumed.stderr);
    assert.equal(resumed.stdout.split('\n').filter((l) => l.includes('"type":"finding"')).length, 0);
    const after = scanState(dbFile)!;
    assert.deepEqual(after, { state: 'complete', entries: 1 + 200 * 61, queued: 0 });

    const fresh = gfsck(['inspect', '--json', v.bricks[0]!]);
    const summary = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!);
    assert.deepEqual(summary(resumed.stdout).bricks.map((b: { entries: number; handles: number }) => [b.entries, b.handles]),
      summary(fresh.stdout).bricks.map((b: { entries: number; handles: number }) => [b.entries, b.handles]));

    // A rerun on the kept catalog reuses unchanged entries, but sees what changed since.
    removeXattr(join(v.bricks[0]!, 'd7/f3'), gfid2pathKey(gfid2pathValue(v.gfidOf('/d7'), Buffer.from('f3'))));
    const rerun = gfsck(['inspect', '--json', '--db', dbFile, v.bricks[0]!]);
    assert.equal(rerun.status, 4);
    const codes = rerun.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'finding').map((f) => `${f.code} ${f.path}`);
    assert.deepEqual(codes, ['GFID2PATH_MISSING /d7/f3']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('Ctrl-C stops a scan with exit 32, says what the catalog kept, and leaves no temp files', { timeout: 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'gfsck-cancel-'));
  try {
    const v = new SyntheticVolume(join(root, 'vol'), 2, 1, 'cancel', 1);
    v.populate(100, 60, (f) => f);
    const dbFile = join(root, 'kept.db');
    const tmp = mkdtempSync(join(root, 'tmp-'));
    const child = spawn(process.execPath, [GFSCK, 'inspect', '--jobs', '1', '--db', dbFile, v.bricks[0]!], {
      env: { ...process.env, GFSCK_FROM_SOURCE: '1', TMPDIR: tmp }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    for (let i = 0; i < 2000 && (scanState(dbFile)?.entries ?? 0) < 500; i++) await sleep(5);
    child.kill('SIGINT');
    const code = await new Promise((r) => child.once('exit', r));
    assert.equal(code, 32);
    assert.match(stderr.trim(), /^gfsck: interrupted by SIGINT; the catalog .*kept\.db keeps the scan so far: rerun with --resume$/);
    assert.equal(scanState(dbFile)?.state, 'scanning');
    assert.deepEqual(readdirSync(tmp).filter((n) => n.startsWith('gfsck-')), [], 'no temp files left behind'); // tsx keeps its cache there too
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
