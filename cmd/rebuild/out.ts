/**
 * `gfsck rebuild --out DIR BRICK...`: recover the volume's files from the bricks into DIR
 * (core/recover). Prints what was not recovered as it was (text) or every entry (--json),
 * then a summary; exit 0 when everything was recovered, 4 when something was not.
 */
import { policyOption, quorumOption, type Policy } from '../shared/replica-options.ts';
import { Option, type Command } from 'commander';
import { EXIT } from '../../core/errors.ts';
import { brickLabel } from '../../core/volume/copies.ts';
import type { EntryReport, RecoverSummary } from '../../core/recover/report.ts';
import { Progress } from '../shared/progress.ts';
import { positiveInt } from '../shared/run.ts';

export interface OutFlags {
  out?: string;
  force?: boolean;
  only: string[];
  gfid: string[];
  trustFragments?: boolean;
  xattrs?: boolean;
  json?: boolean;
  db?: string;
  layout?: string;
  volinfo?: string;
  quorum?: string;
  policy?: Policy;
  jobs?: number;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Files recovered at once unless --jobs says otherwise. */
const DEFAULT_JOBS = 4;

/**
 * --out's options. --force, --json, --db, --layout, --volinfo and --jobs are shared with
 * --handles (handles.ts adds only the ones not registered yet), so their help covers both.
 */
export function addOutOptions(cmd: Command): void {
  cmd
    .option('--out <dir>', 'recover the files into this directory (created if missing; must be empty unless --force)')
    .option('--only <path>', 'with --out: recover only this volume path (a directory: with everything below it); repeatable', collect, [])
    .option('--gfid <gfid>', 'with --out: recover only this inode, under all its names; repeatable', collect, [])
    .option('--trust-fragments', 'with --out: for files GlusterFS cannot heal (fragments longer than trusted.ec.size), recover all the fragments hold')
    .option('--xattrs', 'with --out: copy user.* extended attributes too')
    .option('--force', '--out: recover into a non-empty directory, replacing files in the way; --handles: write even to bricks a running glusterfsd serves (risky: see docs/repair.md)')
    .option('--json', 'JSON Lines: one object per entry (--out) or per action (--handles), then a summary')
    .option('--db <file>', 'keep the catalog in this SQLite file; --out reuses the complete scans it already holds')
    .addOption(new Option('--layout <layout>', 'disperse:K+R, replica:N[:arbiter] or distribute'))
    .option('--volinfo <dir>', "glusterd's vols/NAME folder (or its info file): layout and brick order")
    .addOption(quorumOption())
    .addOption(policyOption('with --out, the copy to recover (without one every side is recovered as NAME.gfsck-brickN)'))
    .option('--jobs <n>', `--out: files recovered at once (default ${DEFAULT_JOBS}); --handles: entries read at once while scanning`, positiveInt('--jobs'));
}

export async function runOut(bricks: string[], flags: OutFlags): Promise<number> {
  const progress = new Progress();
  const write = (line: string) => process.stdout.write(`${line}\n`);
  try {
    // Loaded here: the codec (and its SIMD assembler) would slow every other command's start.
    const { recover } = await import('../../core/recover/recover.ts');
    const summary = await recover({
      bricks,
      out: flags.out!,
      force: Boolean(flags.force),
      layout: { layout: flags.layout, volinfo: flags.volinfo, quorum: flags.quorum },
      db: flags.db ?? null,
      policy: flags.policy ?? null,
      only: flags.only,
      gfids: flags.gfid,
      trustFragments: Boolean(flags.trustFragments),
      xattrs: Boolean(flags.xattrs),
      jobs: flags.jobs ?? DEFAULT_JOBS,
      onEntry: (report) => {
        progress.done();
        if (flags.json) write(JSON.stringify({ kind: 'entry', ...report }));
        else for (const line of textLines(report)) write(line);
      },
      onScan: (p) => progress.update(() => `scanning brick ${p.brick}: ${p.phase}, ${p.entries} entries`),
      onProgress: (p) => progress.update((s) => `${p.entries} entries, ${bytes(p.bytes)} (${bytes(p.bytes / Math.max(s, 0.001))}/s)`),
    });
    progress.done();
    write(flags.json ? JSON.stringify({ kind: 'summary', ...summary }) : summaryLine(summary));
    return summary.failed + summary.partial > 0 ? EXIT.uncorrected : EXIT.clean;
  } finally {
    progress.done();
  }
}

/** Text report: nothing for an entry recovered plainly; otherwise its status, reason and notes. */
function textLines(r: EntryReport): string[] {
  const lines: string[] = [];
  const label = r.status === 'recovered' ? 'note' : r.status;
  if (r.status !== 'recovered') lines.push(`${label.toUpperCase().padEnd(9)} ${r.path}: ${r.reason}`);
  else if (r.stale || r.notes.length > 0 || (r.excluded ?? []).some((x) => /bitrot/.test(x.reason))) lines.push(`${'NOTE'.padEnd(9)} ${r.path}`);
  if (lines.length === 0) return lines;
  if (r.stale) lines.push(`  content from bricks heal would not pick (${(r.sources ?? []).map(brickLabel).join(',')}): nothing better exists`);
  for (const n of r.notes) lines.push(`  ${n}`);
  for (const x of r.excluded ?? []) lines.push(`  ${brickLabel(x.brick)} left out: ${x.reason}`);
  return lines;
}

function summaryLine(s: RecoverSummary): string {
  const rate = s.seconds > 0 ? ` (${bytes(s.bytes / s.seconds)}/s)` : '';
  return `recovered ${s.recovered} of ${s.entries - s.skipped} entries into ${s.out}: ${s.failed} failed, ${s.partial} partial, ` +
    `${s.skipped} stale or pointer names skipped; ${bytes(s.bytes)} in ${s.seconds.toFixed(1)} s${rate}`;
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
