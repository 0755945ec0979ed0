import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PASSES, PROBLEMS } from '../../core/check/problems.ts';
import { problemsMarkdown } from '../../core/check/problem-docs.ts';

test('docs/problems.md is generated from the problem table (npm run docs)', () => {
  assert.equal(readFileSync(new URL('../../docs/problems.md', import.meta.url), 'utf8'), problemsMarkdown());
});

test('every problem belongs to a pass and says how it is fixed', () => {
  const passes = new Set(PASSES.map((p) => p.name));
  for (const [code, p] of Object.entries(PROBLEMS)) {
    assert.ok(passes.has(p.pass), code);
    assert.match(code, /^[A-Z0-9_]+$/);
    assert.ok(p.message.length > 0 && p.fix.length > 0, code);
  }
});
