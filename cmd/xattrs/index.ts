/**
 * `gfsck xattrs BRICK... ID...`: every xattr of a few entries, decoded, the bricks of each
 * entry's set side by side, differences marked. Read-only: no catalog, no scan.
 */
import { Command, Option } from 'commander';
import { EXIT, GfsckError } from '../../core/errors.ts';
import { brickPathQuery, explainMissingBricks, idQuery, splitBricksAndIds } from '../../core/gfid-tree/arguments.ts';
import { requireRoot, validateBricks } from '../../core/inspect/inspect.ts';
import { preflightLayout } from '../../core/volume/resolve.ts';
import { agrees, auditXattrs } from '../../core/xattr/audit.ts';
import { printJson, printText } from './report.ts';

interface XattrsFlags { layout?: string; volinfo?: string; json?: boolean }

const HELP = `
Arguments are bricks first, then IDs, as for gfsck gfid. An ID is:
  a gfid          035e31fa-eb0a-431a-8d46-876f553b518d, 32 hex digits or <gfid:...>
  <gfid:P>/name   a name in directory P, as heal info prints it
  /a/path         a path inside the volume (names may use the \\xNN escapes gfsck prints)
  BRICK/a/path    a path on one of the given bricks: the volume path /a/path
  BRICK/.glusterfs/xx/yy/GFID   a handle: that gfid
A file gfid is read at its handle (the inode itself); a directory at the path its handle
chain gives. Each entry is shown with the bricks of its set (from --volinfo or --layout,
else inferred from the entries read; when that cannot tell, all given bricks side by side).
A row marked * differs between the bricks that hold the entry; (absent): the brick's copy
lacks that xattr. Undecodable values show their hex and what is wrong with them.
Exit: 0 every entry is on every brick of its set with the same, decodable xattrs;
      4 some xattr differs, is undecodable, or the entry is missing on a brick of its set;
      8 operational error (an ID no brick holds, an unreadable copy, not a brick, not root);
      16 usage error.`;

export function xattrsCommand(): Command {
  return new Command('xattrs')
    .description('every xattr of an entry decoded, the bricks of its set side by side, differences marked')
    .argument('<args...>', 'BRICK... ID... (see below)')
    .addOption(new Option('--layout <layout>', 'disperse:K+R, replica:N[:arbiter] or distribute'))
    .option('--volinfo <dir>', "glusterd's vols/NAME folder (or its info file): layout and brick order")
    .option('--json', 'JSON Lines: one object per entry and set (per-brick decoded values, differs), then a summary')
    .addHelpText('after', HELP)
    .action((args: string[], flags: XattrsFlags) => {
      process.exitCode = runXattrs(args, flags);
    });
}

function runXattrs(args: string[], flags: XattrsFlags): number {
  const { bricks, ids } = splitBricksAndIds(args);
  if (bricks.length === 0) explainMissingBricks(args);
  if (bricks.length === 0) throw new GfsckError('usage', 'no brick directories given (bricks come first, then IDs)');
  if (ids.length === 0) throw new GfsckError('usage', 'no ID given: give a gfid, a volume path or a path on a brick after the bricks');
  requireRoot();
  const roots = validateBricks(bricks);
  const source = { layout: flags.layout, volinfo: flags.volinfo };
  preflightLayout(source, roots.length);
  const queries = ids.map((id) => brickPathQuery(id, roots) ?? idQuery(id));
  const audit = auditXattrs(roots, queries, source);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (flags.json) printJson(audit, roots, out);
  else printText(audit, roots, out);
  if (audit.entries.some((e) => e.unreadableOn.length > 0)) return EXIT.operational;
  return audit.entries.every(agrees) ? EXIT.clean : EXIT.uncorrected;
}
