// Regenerates docs/problems.md from the problem table.
import { writeFileSync } from 'node:fs';
import { problemsMarkdown } from '../core/check/problem-docs.ts';

writeFileSync(new URL('../docs/problems.md', import.meta.url), problemsMarkdown());
