/** Runs the real gfsck executable, as a user would. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const GFSCK = fileURLToPath(new URL('../../bin/gfsck.js', import.meta.url));

export interface CliResult { status: number | null; stdout: string; stderr: string }

export function gfsck(args: string[], opts: { user?: string; input?: string } = {}): CliResult {
  const [cmd, argv] = opts.user
    ? ['runuser', ['-u', opts.user, '--', process.execPath, GFSCK, ...args]]
    : [process.execPath, [GFSCK, ...args]];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', input: opts.input, env: { ...process.env, GFSCK_DEBUG: '', GFSCK_FROM_SOURCE: process.env.GFSCK_FROM_SOURCE ?? '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
