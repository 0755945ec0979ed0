/**
 * The repository carries everything its code, tests, scripts and benchmarks read: no source
 * file names a path outside it (a fresh clone has nothing beside it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { projectRoot } from '../../core/fs/project.ts';

const ROOT = projectRoot();
const SOURCE_DIRS = ['bin', 'cmd', 'core', 'test', 'bench', 'scripts'];
/**
 * The reference material the project was built from lives beside checkouts, not in them: a
 * path into it works on the machine it was written on and nowhere else. (Relative literals
 * that climb, such as `../../..`, are handle-link targets on bricks, not files read here.)
 */
const OUTSIDE = /['"`][^'"`]*(?:\/work\/|shared\/testvectors|shared\/spec)/;

function* sources(dir: string): Generator<string> {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, d.name);
    if (d.isDirectory()) yield* sources(path);
    else if (/\.(ts|cjs|js)$/.test(d.name)) yield path;
  }
}

test('no source file reads outside the repository', () => {
  const offenders: string[] = [];
  for (const dir of SOURCE_DIRS) {
    for (const file of sources(join(ROOT, dir))) {
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        if (OUTSIDE.test(line)) offenders.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
      });
    }
  }
  assert.deepEqual(offenders, []);
});
