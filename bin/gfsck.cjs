#!/usr/bin/env -S node --max-old-space-size=192 --max-semi-space-size=32
// The heap cap keeps V8 from growing lazily past what gfsck holds live (batches, pages):
// memory stays flat however large the brick. The catalog, not the heap, holds the data.
// A larger young generation lets the scan's short-lived rows die there: a tenth less CPU
// on 100k entries, for a few MiB of peak RSS.
// Runs the compiled CLI (dist/, built by `npm run build`, shipped in the package). With
// GFSCK_FROM_SOURCE=1 (the tests use it, so they always see the current sources) it runs the
// TypeScript through tsx instead, a development dependency.
'use strict';
const { existsSync } = require('node:fs');
const { availableParallelism } = require('node:os');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

// One thread-pool thread per core unless the user sets it: the scan is CPU-bound, and pool
// threads beyond the cores only take turns with the main thread, which sets the pace (a
// tenth faster on 2 cores). libuv reads it when the pool starts: this file is CommonJS so
// that Node loads it without the pool, which an ES module entry would already have started.
process.env.UV_THREADPOOL_SIZE ??= String(availableParallelism());

const compiled = join(__dirname, '..', 'dist', 'cmd', 'gfsck.js');
if (process.env.GFSCK_FROM_SOURCE === '1') {
  import('tsx/esm/api').then(({ register }) => {
    register();
    return import('../cmd/gfsck.ts');
  });
} else if (existsSync(compiled)) {
  import(pathToFileURL(compiled).href);
} else {
  process.stderr.write('gfsck: not built (no dist/): run npm run build, or set GFSCK_FROM_SOURCE=1\n');
  process.exit(8);
}
