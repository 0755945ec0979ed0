/**
 * `gfsck gfid BRICK... ID...`: which paths a gfid has and which gfid a path has, on the
 * given bricks, offline. `-` reads `gluster volume heal VOL info` from stdin.
 */
import { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { Catalog } from '../../core/index/catalog.ts';
import { requireRoot, validateBricks } from '../../core/inspect/inspect.ts';
import { EXIT, GfsckError } from '../../core/errors.ts';
import { escapeName } from '../../core/fs/names.ts';
import { brickLabel } from '../../core/volume/copies.ts';
import { catalogResolver, liveResolver, type GfidResolution, type PathResolution, type Resolver } from '../../core/gfid-tree/resolve.ts';
import { explainMissingBricks, idQuery, splitBricksAndIds } from '../../core/gfid-tree/arguments.ts';
import { QueryResolver, parseHealInfo, type Answer, type HealInfoBlock, type Query } from '../../core/gfid-tree/query.ts';

interface GfidFlags { db?: string; json?: boolean }

const HELP = `
Arguments are bricks first, then IDs. The leading arguments that are brick directories
(a directory with .glusterfs or trusted.glusterfs.volume-id) are the bricks; the first
argument that is not one starts the IDs. An ID is:
  a gfid          035e31fa-eb0a-431a-8d46-876f553b518d, 035e31faeb0a431a8d46876f553b518d or <gfid:...>
  <gfid:P>/name   a name in directory P, as heal info prints it
  /a/path, a/path a path inside the volume, with or without the leading / (heal info prints it
                  with one; names may use the \\xNN escapes gfsck prints)
  -               read 'gluster volume heal VOL info' output from stdin
A relative ID that names a local directory (from the current one) but is not a brick is
refused: it may be a brick that failed the test. Write /a/path to mean the volume path.
Arguments reach gfsck as UTF-8: a name with bytes that are not UTF-8 can only be given
with \\xNN escapes (an argument the shell passed such bytes in is refused).
With --db, answers come from the catalog of 'gfsck inspect --db' (bricks may then be
omitted); without it only handles and the names they lead to are read, never a whole brick.
Exit: 0 every ID resolved, 4 some did not (listed), 8 operational error, 16 usage error.`;

export function gfidCommand(): Command {
  return new Command('gfid')
    .description('resolve gfids to their paths (every hard link) and paths to their gfid on each brick')
    .argument('<args...>', 'BRICK... ID... (see below)')
    .option('--db <file>', 'answer from this catalog (made by gfsck inspect --db): indexed, no brick access')
    .option('--json', 'JSON Lines: one object per ID or heal info entry, then a summary')
    .addHelpText('after', HELP)
    .action(async (args: string[], flags: GfidFlags) => {
      process.exitCode = runGfid(args, flags);
    });
}

function splitArguments(args: string[]): { bricks: string[]; queries: Array<Query | 'stdin'> } {
  const { bricks, ids } = splitBricksAndIds(args);
  const queries = ids.map((arg): Query | 'stdin' => {
    if (arg === '-') return 'stdin';
    return idQuery(arg);
  });
  if (queries.length === 0) throw new GfsckError('usage', 'no ID given: give a gfid, a volume path or - after the bricks');
  if (queries.filter((q) => q === 'stdin').length > 1) throw new GfsckError('usage', '- (heal info on stdin) can be given once');
  return { bricks, queries };
}

function openResolver(bricks: string[], db: string | undefined): Resolver {
  if (db === undefined) {
    if (bricks.length === 0) throw new GfsckError('usage', 'no brick directories given (bricks come first, then IDs), and no --db catalog');
    requireRoot();
    return liveResolver(validateBricks(bricks));
  }
  if (!existsSync(db)) throw new GfsckError('operational', `${db}: no such catalog (make one with gfsck inspect --db ${db} BRICK...)`);
  return catalogResolver(Catalog.open(db), bricks.length > 0 ? validateBricks(bricks) : []);
}

function runGfid(args: string[], flags: GfidFlags): number {
  const { bricks, queries } = splitArguments(args);
  if (bricks.length === 0 && flags.db === undefined) explainMissingBricks(args);
  const resolver = openResolver(bricks, flags.db);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const unresolved: string[] = [];
  let total = 0;
  try {
    const answers = new QueryResolver(resolver);
    const report = (answer: Answer, heal: { block: HealInfoBlock; remark: string | null } | null) => {
      total++;
      if (!answer.resolved) unresolved.push(`${answer.query.text}: ${answer.reason}`);
      if (flags.json) out(JSON.stringify(answerJson(answer, heal)));
      else printAnswer(answer, heal?.remark ?? null, labelOf(resolver.bricks), out);
    };
    for (const q of queries) {
      if (q !== 'stdin') {
        report(answers.answer(q), null);
        continue;
      }
      const blocks = parseHealInfo(readFileSync(0));
      if (blocks.length === 0) throw new GfsckError('usage', 'stdin holds no heal info (no "Brick host:/path" line)');
      for (const block of blocks) {
        if (!flags.json) out(`Brick ${block.brick}: ${block.status ?? 'no status'}, ${block.count ?? '?'} entries`);
        for (const entry of block.entries) {
          if (!entry.query) throw new GfsckError('usage', `heal info entry ${escapeName(entry.raw)} is neither a path nor a gfid`);
          report(answers.answer(entry.query), { block, remark: entry.remark });
        }
      }
    }
  } finally {
    resolver.close();
  }
  if (flags.json) out(JSON.stringify({ type: 'summary', bricks: resolver.bricks, ids: total, resolved: total - unresolved.length, unresolved }));
  else {
    out('');
    out(`${total} ID(s): ${total - unresolved.length} resolved, ${unresolved.length} unresolved`);
    for (const u of unresolved) out(`  unresolved ${u}`);
  }
  return unresolved.length > 0 ? EXIT.uncorrected : EXIT.clean;
}

const describeType = (type: string | null, size: number | null) => `${type ?? 'unknown type'}${size !== null ? `, ${size} bytes` : ''}`;

type Label = (root: string) => string;

/** A brick as the other commands name it: `#N` (its place among the bricks), then its root. */
const labelOf = (bricks: string[]): Label => (root) => {
  const i = bricks.indexOf(root);
  return i < 0 ? root : `${brickLabel(i)} ${root}`;
};

function printAnswer(answer: Answer, remark: string | null, label: Label, out: (line: string) => void): void {
  const head = `${answer.query.text}${remark ? ` (${remark})` : ''}`;
  if (answer.kind === 'gfid') printGfid(head, answer.gfid, label, out);
  else if (answer.path) printPath(head, answer.path, label, out);
  else out(`${head}: UNRESOLVED: ${answer.reason}`);
}

function printGfid(head: string, g: GfidResolution, label: Label, out: (line: string) => void): void {
  out(g.resolved ? `${head}: ${describeType(g.type, g.size)}` : `${head}: UNRESOLVED: ${g.reason}`);
  for (const p of g.paths) out(`    ${escapeName(p)}`);
  if (g.on.length > 0) out(`  on ${g.on.map(label).join(', ')}`);
  for (const b of g.bricks) {
    for (const s of b.stale) out(`  ${label(b.brick)}: recorded name ${s.path ? escapeName(s.path) : s.recorded}: ${s.why}`);
    for (const p of b.problems) out(`  ${label(b.brick)}: ${p}`);
  }
}

function printPath(head: string, p: PathResolution, label: Label, out: (line: string) => void): void {
  const shown = escapeName(p.path) === head ? head : `${head} = ${escapeName(p.path)}`;
  out(p.resolved ? `${shown}: gfid ${p.gfid}, ${p.type}` : `${shown}: UNRESOLVED: ${p.reason}`);
  if (!p.agree || p.bricks.some((b) => b.missing)) {
    if (!p.agree) out('  the bricks DISAGREE on its gfid:');
    for (const b of p.bricks) out(`  ${label(b.brick)}: ${b.missing ?? `gfid ${b.gfid ?? 'none'}, ${b.type}`}`);
  }
}

function gfidJson(g: GfidResolution) {
  return {
    gfid: g.gfid, fileType: g.type, size: g.size, paths: g.paths.map(escapeName), on: g.on,
    bricks: g.bricks.map((b) => ({
      brick: b.brick, found: b.found, type: b.type, brickSize: b.brickSize, size: b.size, names: b.names.map(escapeName),
      stale: b.stale.map((s) => ({ path: s.path ? escapeName(s.path) : null, recorded: s.recorded, why: s.why })), problems: b.problems,
    })),
  };
}

function answerJson(answer: Answer, heal: { block: HealInfoBlock; remark: string | null } | null) {
  const common = {
    type: heal ? 'heal-entry' : answer.kind, id: answer.query.text, resolved: answer.resolved, reason: answer.reason,
    ...(heal ? { healBrick: heal.block.brick, healStatus: heal.block.status, remark: heal.remark } : {}),
  };
  if (answer.kind === 'gfid') return { ...common, ...gfidJson(answer.gfid) };
  const p = answer.path;
  return {
    ...common,
    ...(p ? { path: escapeName(p.path), gfid: p.gfid, fileType: p.type, agree: p.agree, bricks: p.bricks } : { path: null }),
    ...(answer.parent ? { parent: gfidJson(answer.parent) } : {}),
  };
}
