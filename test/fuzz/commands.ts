/**
 * The fuzz suite's command table, one row per command, and what every run must satisfy
 * whatever the bricks hold: it ends within a bound, exits with an fsck(8) code, prints no
 * stack trace, leaves the bricks byte for byte as they were (a read-only command, or an
 * --apply followed by its --undo), writes nothing outside its target, and leaves no lock
 * behind. A new command is one more row.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT } from '../../core/errors.ts';
import { LOCK_DIR } from '../../core/repair/interlock.ts';
import { GFSCK } from '../support/cli.ts';
import { handleRelPath } from '../../core/gfid-tree/gfid.ts';
import { UNKNOWN_GFID } from './fixtures.ts';
import { snapshotDiff, snapshotTree, type Snapshot } from '../repair/snapshot.ts';

/** One fuzz case's world: a copy of a fixture's bricks in `dir`, and what to ask about them. */
export interface FuzzCase {
  dir: string;
  bricks: string[];
  /** glusterd's volume folder, or null to let gfsck infer the layout. */
  volinfo: string | null;
  /** gfids and paths for `gfsck gfid` and `gfsck xattrs`. */
  ids: string[];
}

interface Step {
  args: (c: FuzzCase) => string[];
  /** Runs only when this holds (e.g. an --undo only when the --apply wrote a journal). */
  when?: (c: FuzzCase) => boolean;
}

export interface CommandRow {
  name: string;
  steps: Step[];
  /** Top-level names of the case folder the command may create (its target). */
  outputs: string[];
}

const layout = (c: FuzzCase) => (c.volinfo ? ['--volinfo', c.volinfo] : []);
const journal = (c: FuzzCase) => join(c.dir, 'journal');
/** The IDs that name entries, the first also as its handle on the first brick (a path on a brick). */
const entryIds = (c: FuzzCase) => {
  const known = c.ids.filter((id) => id !== UNKNOWN_GFID);
  return [...known, ...known.slice(0, 1).map((gfid) => join(c.bricks[0]!, handleRelPath(gfid)))];
};

export const COMMANDS: CommandRow[] = [
  { name: 'inspect', steps: [{ args: (c) => ['inspect', ...layout(c), ...c.bricks] }], outputs: [] },
  { name: 'inspect --json', steps: [{ args: (c) => ['inspect', '--json', ...layout(c), ...c.bricks] }], outputs: [] },
  { name: 'gfid', steps: [{ args: (c) => ['gfid', ...c.bricks, ...c.ids] }], outputs: [] },
  { name: 'xattrs', steps: [{ args: (c) => ['xattrs', ...layout(c), ...c.bricks, ...entryIds(c)] }, { args: (c) => ['xattrs', '--json', ...c.bricks, ...entryIds(c)] }], outputs: [] },
  { name: 'rebuild --out', steps: [{ args: (c) => ['rebuild', '--out', join(c.dir, 'out'), ...layout(c), ...c.bricks] }], outputs: ['out'] },
  { name: 'rebuild --handles', steps: [{ args: (c) => ['rebuild', '--handles', ...layout(c), ...c.bricks] }], outputs: [] },
  {
    name: 'rebuild --handles --apply, then --undo',
    steps: [
      { args: (c) => ['rebuild', '--handles', '--apply', '--journal', journal(c), ...layout(c), ...c.bricks] },
      { args: (c) => ['rebuild', '--undo', journal(c)], when: (c) => existsSync(journal(c)) },
    ],
    outputs: ['journal'],
  },
  { name: 'heal --sources --verify-data', steps: [{ args: (c) => ['heal', '--sources', '--json', '--verify-data', ...layout(c), ...c.bricks] }], outputs: [] },
  {
    name: 'heal --apply, then --undo',
    steps: [
      { args: (c) => ['heal', '--apply', '--journal', journal(c), ...layout(c), ...c.bricks] },
      { args: (c) => ['heal', '--undo', journal(c)], when: (c) => existsSync(journal(c)) },
    ],
    outputs: ['journal'],
  },
];

/** Far beyond any run on a fixture: a run still going then is a loop. */
const LIVENESS_BOUND_MS = 60_000;
const FSCK_CODES: number[] = [EXIT.clean, EXIT.corrected, EXIT.uncorrected, EXIT.operational, EXIT.usage];
export const STACK_TRACE = /^\s+at .+[:(]|node:internal|Error: .*\n\s+at /m;
/** Folders the runner gives each command: its temp dir and its state dir, both checked empty of leftovers. */
const SCRATCH = ['tmp', 'state'];

/**
 * The compiled CLI when dist/ is newer than every source (a quarter of the start time of
 * running the sources through tsx), else the sources: the suite never tests stale code.
 */
export function cliFromSource(root: string): boolean {
  const compiled = join(root, 'dist', 'cmd', 'gfsck.js');
  if (!existsSync(compiled)) return true;
  const built = statSync(compiled).mtimeMs;
  const newest = (dir: string): number => Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? newest(path) : e.name.endsWith('.ts') ? statSync(path).mtimeMs : 0;
  }));
  return Math.max(newest(join(root, 'core')), newest(join(root, 'cmd'))) > built;
}

export interface RunRecord { args: string[]; status: number | null; stdout: string; stderr: string }

/** The environment a case's commands run in: temp and state dirs inside the case, checked afterwards. */
export function caseEnv(c: FuzzCase, fromSource: boolean): NodeJS.ProcessEnv {
  for (const scratch of SCRATCH) mkdirSync(join(c.dir, scratch), { recursive: true });
  // tsx would keep its compile cache in TMPDIR, which must stay empty of anything gfsck leaves.
  const tsx = fromSource ? { TSX_DISABLE_CACHE: '1' } : {};
  return { ...process.env, ...tsx, GFSCK_DEBUG: '', GFSCK_FROM_SOURCE: fromSource ? '1' : '0', TMPDIR: join(c.dir, 'tmp'), GFSCK_STATE_DIR: join(c.dir, 'state') };
}

/** One gfsck run on a case, killed (status null) if it outlives the liveness bound. */
export function gfsckOn(c: FuzzCase, args: string[], fromSource: boolean): RunRecord {
  const r = spawnSync(process.execPath, [GFSCK, ...args], {
    encoding: 'utf8', timeout: LIVENESS_BOUND_MS, killSignal: 'SIGKILL', maxBuffer: 256 << 20, env: caseEnv(c, fromSource),
  });
  return { args, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a row's steps on a case and asserts the contract; `context` goes into every failure message. */
export function runRow(row: CommandRow, c: FuzzCase, fromSource: boolean, context: string): RunRecord[] {
  for (const scratch of SCRATCH) mkdirSync(join(c.dir, scratch), { recursive: true });
  const before = snapshotBricks(c.bricks);
  const topBefore = new Set(readdirSync(c.dir));
  const records: RunRecord[] = [];
  for (const step of row.steps) {
    if (step.when && !step.when(c)) continue;
    const r = gfsckOn(c, step.args(c), fromSource);
    records.push(r);
    const what = `${context}\n  gfsck ${r.args.join(' ')}\n  exit ${r.status ?? 'killed'}\n  stderr: ${r.stderr.slice(0, 2000)}`;
    assert.notEqual(r.status, null, `did not end within ${LIVENESS_BOUND_MS} ms: ${what}`);
    assert.ok(FSCK_CODES.includes(r.status!), `exit code is not an fsck(8) code: ${what}`);
    assert.doesNotMatch(r.stderr, STACK_TRACE, `stack trace on stderr: ${what}`);
  }
  const diff = snapshotDiff(before, snapshotBricks(c.bricks));
  assert.deepEqual(diff, [], `the bricks changed:\n${diff.slice(0, 20).join('\n')}\n${context}`);
  const created = readdirSync(c.dir).filter((n) => !topBefore.has(n) && !row.outputs.includes(n));
  assert.deepEqual(created, [], `written outside the target: ${context}`);
  assert.deepEqual(readdirSync(join(c.dir, 'tmp')), [], `temporary files left behind: ${context}`);
  assert.deepEqual(locksOn(c.dir), [], `repair locks left behind: ${context}`);
  return records;
}

export function snapshotBricks(bricks: string[]): Snapshot {
  return Object.assign({}, ...bricks.map((b, i) => Object.fromEntries(Object.entries(snapshotTree(b)).map(([k, v]) => [`${Buffer.from(`b${i}`).toString('hex')}${k}`, v]))));
}

/** Lock files naming a brick of this case (other runs on the machine hold their own). */
export function locksOn(dir: string): string[] {
  if (!existsSync(LOCK_DIR)) return [];
  return readdirSync(LOCK_DIR).filter((name) => {
    try {
      return readFileSync(join(LOCK_DIR, name), 'utf8').includes(dir);
    } catch {
      return false;
    }
  });
}
