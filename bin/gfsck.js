#!/usr/bin/env -S node --max-old-space-size=192 --max-semi-space-size=32
// The heap cap keeps V8 from growing lazily past what gfsck holds live (batches, pages):
// memory stays flat however large the brick. The catalog, not the heap, holds the data.
// A larger young generation lets the scan's short-lived rows die there: a tenth less CPU
// on 100k entries, for a few MiB of peak RSS.
// Runs the compiled CLI (dist/, built by `npm run build` at install). Without a build, or with
// GFSCK_FROM_SOURCE=1 (the tests use it, so they always see the current sources), it runs
// the TypeScript directly through tsx, at the cost of a slower start.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cmd/gfsck.js', import.meta.url);
if (process.env.GFSCK_FROM_SOURCE === '1' || !existsSync(compiled)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cmd/gfsck.ts');
} else {
  await import(compiled.href);
}
