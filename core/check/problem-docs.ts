/** docs/problems.md, written from the problem table so the two never drift. */
import { PASSES, PROBLEMS, type ProblemCode } from './problems.ts';

export function problemsMarkdown(): string {
  const lines = [
    '# Problem codes',
    '',
    'Every finding `gfsck inspect` reports has one of these codes. This page is generated from',
    '`core/check/problems.ts` (`npm run docs`); a test fails when it is out of date.',
    '',
    'Severity: `error` = the volume is damaged or will misbehave; `warning` = GlusterFS would',
    'heal it or it needs attention; `info` = worth knowing. Exit code 4 when any error or warning',
    'is found. "Fixed by" says who can repair it: a gfsck command, GlusterFS itself, or a human.',
  ];
  for (const pass of PASSES) {
    lines.push('', `## ${pass.title}`, '', '| code | severity | message | fixed by | how |', '|---|---|---|---|---|');
    for (const [code, p] of Object.entries(PROBLEMS) as Array<[ProblemCode, (typeof PROBLEMS)[ProblemCode]]>) {
      if (p.pass !== pass.name) continue;
      const cell = (s: string) => s.replace(/\|/g, '\\|');
      lines.push(`| \`${code}\` | ${p.severity} | ${cell(p.message)} | ${p.fixBy} | ${cell(p.fix)} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
