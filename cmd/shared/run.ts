/**
 * The one place that turns outcomes into exit codes (fsck(8)) and errors into one line
 * on stderr. A stack trace is printed only with GFSCK_DEBUG=1.
 */
import { CommanderError } from 'commander';
import { EXIT, GfsckError } from '../../core/errors.ts';

export function fail(e: unknown): never {
  if (e instanceof GfsckError) {
    process.stderr.write(`gfsck: ${e.message}\n`);
    process.exit(e.kind === 'usage' ? EXIT.usage : EXIT.operational);
  }
  if (e instanceof CommanderError) {
    process.exit(e.exitCode === 0 ? 0 : EXIT.usage);
  }
  const err = e as NodeJS.ErrnoException;
  const detail = err.code ? `${err.code}: ${err.message}` : err.message ?? String(e);
  process.stderr.write(`gfsck: ${detail.split('\n')[0]}\n`);
  if (process.env.GFSCK_DEBUG === '1') process.stderr.write(`${err.stack}\n`);
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

/**
 * Ctrl-C or SIGTERM: run `cleanup` (close the catalog, remove temp files), say what was
 * kept, and exit 32 as fsck(8) does when checking is cancelled.
 */
export function onInterrupt(cleanup: () => string | void): () => void {
  const handler = (signal: NodeJS.Signals) => {
    const kept = cleanup();
    process.stderr.write(`\ngfsck: interrupted by ${signal}${kept ? `; ${kept}` : ''}\n`);
    process.exit(EXIT.cancelled);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
