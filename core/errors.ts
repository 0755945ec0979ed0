/**
 * Errors the user can act on. Commands print `message` as one line and exit with the
 * fsck(8) code of the kind; anything else is a bug and is reported as such.
 */
export type ErrorKind = 'usage' | 'operational';

export class GfsckError extends Error {
  constructor(readonly kind: ErrorKind, message: string) {
    super(message);
    this.name = 'GfsckError';
  }
}

/** fsck(8) exit codes. */
export const EXIT = { clean: 0, corrected: 1, uncorrected: 4, operational: 8, usage: 16, cancelled: 32 } as const;

/** An error as one line: Node's system errors already begin with their code ("ENOSPC: ..."), others get it prefixed. */
export function errorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const message = String(err?.message ?? e);
  const text = err?.code && !message.startsWith(`${err.code}:`) ? `${err.code}: ${message}` : message;
  return text.split('\n')[0]!;
}
