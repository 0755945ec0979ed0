/**
 * The one place that turns outcomes into exit codes (fsck(8)) and errors into one line
 * on stderr. A stack trace is printed only with GFSCK_DEBUG=1.
 */
import { CommanderError } from 'commander';
import { EXIT, GfsckError, errorText } from '../../core/errors.ts';
import { interruptRepairSessions } from '../../core/repair/session.ts';

export function fail(e: unknown): never {
  if (e instanceof GfsckError) {
    process.stderr.write(`gfsck: ${e.message}\n`);
    process.exit(e.kind === 'usage' ? EXIT.usage : EXIT.operational);
  }
  if (e instanceof CommanderError) {
    process.exit(e.exitCode === 0 ? 0 : EXIT.usage);
  }
  process.stderr.write(`gfsck: ${errorText(e)}\n`);
  if (process.env.GFSCK_DEBUG === '1') process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(EXIT.operational);
}

/** Positive integer option parser for commander. */
export function positiveInt(name: string) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new GfsckError('usage', `${name} takes a positive whole number, not '${text}'`);
    return n;
  };
}

/** What each running command registered to do on an interrupt, latest first. */
const interruptCleanups: Array<() => string | void> = [];

/** Ends an interrupted command: open repair sessions first, then the command's cleanups; what was kept, one note each. */
function endInterrupted(): string[] {
  return [...interruptRepairSessions(), ...[...interruptCleanups].reverse().map((cleanup) => cleanup())].filter((k): k is string => Boolean(k));
}

/**
 * Installed once at start, for every command. Ctrl-C or SIGTERM: end any open repair
 * session (its journal closed, its locks released, its journal named), run what the command
 * registered (close the catalog, remove temp files), say what was kept, and exit 32 as
 * fsck(8) does when checking is cancelled. A reader that closes stdout (`| head`) ends the
 * command the same way, quietly unless a journal has to be named.
 */
export function handleInterrupts(): void {
  const handler = (signal: NodeJS.Signals) => {
    const kept = endInterrupted();
    process.stderr.write(`\ngfsck: interrupted by ${signal}${kept.length > 0 ? `; ${kept.join('; ')}` : ''}\n`);
    process.exit(EXIT.cancelled);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') fail(e);
    const kept = endInterrupted();
    if (kept.length > 0) process.stderr.write(`gfsck: stdout closed; ${kept.join('; ')}\n`);
    process.exit(EXIT.cancelled);
  });
  // Nowhere left to report to: nothing to do but go on.
  process.stderr.on('error', () => undefined);
}

/** Registers what to do on an interrupt while a command runs; returns the unregistering function. */
export function onInterrupt(cleanup: () => string | void): () => void {
  interruptCleanups.push(cleanup);
  return () => {
    const at = interruptCleanups.indexOf(cleanup);
    if (at >= 0) interruptCleanups.splice(at, 1);
  };
}
