/**
 * Brick archives. A brick is only meaningful with its trusted.* xattrs (gfids, EC and AFR
 * counters), its hard links (the .glusterfs handles) and its holes (sparse EC fragments),
 * so GNU tar runs with --xattrs --xattrs-include='*' --sparse both ways.
 *
 * Layout inside an archive: bricks/b0 … bricks/bN-1, plus any extra files (volinfo/info,
 * truth.json) at the paths given.
 */
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { run } from './exec.ts';
import { SPECIAL_LINKS, extractArchiveInto, formatSpecialLinks, specialLinkGroups } from '../../core/archive/brick-archive.ts';

const XATTR_FLAGS = ['--xattrs', "--xattrs-include=*"];

const escapeSedRegex = (s: string): string => s.replace(/[\\^$.*[\]|]/g, '\\$&');

export interface CaptureInput {
  /** Brick dirs in volume order; stored as bricks/b<index>. */
  bricks: string[];
  /** Extra files: archive path → content. */
  extras?: Record<string, string | Buffer>;
}

/**
 * Writes a gzip tar of the bricks (stopped or quiesced: tar reads while GlusterFS writes
 * would give a torn snapshot). Brick paths are renamed with --transform, whose trailing
 * `S` keeps symlink targets untouched: only member names and hard-link targets move.
 */
export async function captureBricks(input: CaptureInput, outFile: string): Promise<void> {
  const stage = mkdtempSync(join(tmpdir(), 'gfsckt-capture-'));
  try {
    // Hard links tar cannot keep (FIFOs, devices) are listed with archive member names.
    const toMember = (path: string) => {
      const i = input.bricks.findIndex((b) => path === resolve(b).slice(1) || path.startsWith(`${resolve(b).slice(1)}/`));
      return `bricks/b${i}${path.slice(resolve(input.bricks[i]!).length - 1)}`;
    };
    const groups = specialLinkGroups('/', input.bricks.map((b) => resolve(b).slice(1))).map((g) => g.map(toMember));
    const extras = { ...input.extras, ...(groups.length > 0 ? { [SPECIAL_LINKS]: formatSpecialLinks(groups) } : {}) };
    const extraNames = Object.keys(extras);
    for (const [name, content] of Object.entries(extras)) {
      mkdirSync(dirname(join(stage, name)), { recursive: true });
      writeFileSync(join(stage, name), content);
    }
    const transforms = input.bricks.map((b, i) => {
      const member = escapeSedRegex(resolve(b).slice(1));
      return `--transform=s|^${member}\\(/\\|$\\)|bricks/b${i}\\1|S`;
    });
    mkdirSync(dirname(resolve(outFile)), { recursive: true });
    await run('tar', [
      ...XATTR_FLAGS,
      '--sparse',
      '--numeric-owner',
      ...transforms,
      '-czf',
      resolve(outFile),
      ...(extraNames.length > 0 ? ['-C', stage, ...extraNames] : []),
      '-C',
      '/',
      ...input.bricks.map((b) => resolve(b).slice(1)),
    ]);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Extracts an archive into `dest` with xattrs, owners, modes and every hard link (needs root for trusted.*). */
export async function extractArchive(archive: string, dest: string): Promise<void> {
  extractArchiveInto(resolve(archive), dest);
}

/** One member's content as text, or undefined when the archive has no such member. */
export async function readArchiveMember(archive: string, member: string): Promise<string | undefined> {
  const r = await run('tar', ['-xzOf', resolve(archive), member], { allowFailure: true });
  return r.code === 0 ? r.stdout : undefined;
}
