/**
 * Running external commands (gluster, mount, tar, apt-get) from the harness.
 * Every command's stderr is kept in the thrown error, because a failing `gluster` call
 * explains itself only there.
 */
import { execFile, execFileSync } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  /** Return a non-zero exit instead of throwing. */
  allowFailure?: boolean;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly result: CommandResult,
  ) {
    super(`${command} exited ${result.code}: ${(result.stderr || result.stdout).trim()}`);
  }
}

const describe = (cmd: string, args: readonly string[]): string => [cmd, ...args].join(' ');

export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { maxBuffer: 256 * 1024 * 1024, timeout: opts.timeoutMs ?? 0, env: opts.env ?? process.env },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        const result = { stdout, stderr, code };
        if (code !== 0 && !opts.allowFailure) reject(new CommandError(describe(cmd, args), result));
        else resolve(result);
      },
    );
  });
}

/**
 * Synchronous variant, only for teardown from signal and exit handlers, where the event
 * loop no longer runs callbacks. Never throws: a teardown step that fails must not stop
 * the next one.
 */
export function runSyncQuietly(cmd: string, args: readonly string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
