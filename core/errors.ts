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
