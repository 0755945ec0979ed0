/** Runs the real gfsck executable, as a user would. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const GFSCK = fileURLToPath(new URL('../../bin/gfsck.cjs', import.meta.url));

export interface CliResult { status: number | null; stdout: string; stderr: string }

/** The environment gfsck runs with in tests: no stack traces, the sources unless told otherwise. */
export const gfsckEnv = (): NodeJS.ProcessEnv => ({ ...process.env, GFSCK_DEBUG: '', GFSCK_FROM_SOURCE: process.env.GFSCK_FROM_SOURCE ?? '1' });

/** `timeoutMs` SIGKILLs a run that takes longer (status null then); `cwd` is where relative arguments start. */
export function gfsck(args: string[], opts: { user?: string; input?: string; timeoutMs?: number; cwd?: string } = {}): CliResult {
  const [cmd, argv] = opts.user
    ? ['runuser', ['-u', opts.user, '--', process.execPath, GFSCK, ...args]]
    : [process.execPath, [GFSCK, ...args]];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', input: opts.input, cwd: opts.cwd, timeout: opts.timeoutMs, killSignal: 'SIGKILL', env: gfsckEnv() });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Bad input's contract: one line on stderr matching `pattern`, never a stack trace. */
export function assertOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(stderr, /\bat .*\.[jt]s:\d+/);
}
