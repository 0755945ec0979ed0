/**
 * Reads a directory in batches on the thread pool: name, lstat fields, symlink target and
 * (optionally) every xattr of each entry, without following symlinks. See native/dirscan.c.
 */
import { native, type BrickPath, type ScannedEntry } from './native.ts';

export type { ScannedEntry };

export async function* scanDirectory(path: BrickPath, opts: { xattrs: boolean; batch?: number }): AsyncGenerator<ScannedEntry[]> {
  const scanner = native.openScanner(path, opts.xattrs);
  try {
    for (;;) {
      const batch = await native.readBatch(scanner, opts.batch ?? 256);
      if (batch === null) return;
      yield batch;
    }
  } finally {
    native.closeScanner(scanner);
  }
}
