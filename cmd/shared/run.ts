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
