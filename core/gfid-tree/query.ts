/**
 * What `gfsck gfid` is asked: a gfid (any of the forms admins paste), heal info's
 * `<gfid:PARENT>/name`, or a volume path; and `gluster volume heal VOL info` output, whose
 * entries are exactly these forms. Answers are memoized: heal info lists the same entry
 * once per brick.
 */
import { childPath, escapeName } from '../fs/names.ts';
import { parseGfid } from './gfid.ts';
import { mergeGfid, mergePath, type GfidResolution, type PathResolution, type Resolver } from './resolve.ts';

/** `text` is the ID as given, printable (escapeName): what answers are headed with. */
export type Query =
  | { kind: 'gfid'; text: string; gfid: string }
  | { kind: 'gfid-name'; text: string; gfid: string; name: Buffer }
  | { kind: 'path'; text: string; path: Buffer };

const GFID_NAME = /^<gfid:([^>]+)>\/(.+)$/s;

/** Classifies raw bytes (a command-line ID or a heal info line); null when it is none of the forms. */
export function parseQuery(raw: Buffer): Query | null {
  const text = escapeName(raw);
  if (raw[0] === 0x2f) return { kind: 'path', text, path: raw };
  // latin1 keeps one char per byte, so the name after `<gfid:…>/` is cut out as the exact bytes.
  const bytes = raw.toString('latin1');
  const withName = GFID_NAME.exec(bytes);
  if (withName) {
    const gfid = parseGfid(withName[1]!);
    return gfid ? { kind: 'gfid-name', text, gfid, name: Buffer.from(withName[2]!, 'latin1') } : null;
  }
  const gfid = parseGfid(bytes);
  return gfid ? { kind: 'gfid', text, gfid } : null;
}

/** A volume path given without its leading `/` (`dir/file`): the same path below the root. */
export function relativePathQuery(raw: Buffer): Query {
  return { kind: 'path', text: escapeName(raw), path: Buffer.concat([Buffer.from('/'), raw]) };
}

export type Answer =
  | { kind: 'gfid'; query: Query; resolved: boolean; reason: string | null; gfid: GfidResolution }
  /** `path` is null when a `<gfid:PARENT>/name` query's parent could not be found. */
  | { kind: 'path'; query: Query; resolved: boolean; reason: string | null; path: PathResolution | null; parent: GfidResolution | null };

export class QueryResolver {
  private readonly gfids = new Map<string, GfidResolution>();
  private readonly paths = new Map<string, PathResolution>();

  constructor(readonly resolver: Resolver) {}

  gfid(gfid: string): GfidResolution {
    let r = this.gfids.get(gfid);
    if (!r) {
      r = mergeGfid(gfid, this.resolver.gfid(gfid));
      this.gfids.set(gfid, r);
    }
    return r;
  }

  path(path: Buffer): PathResolution {
    const key = path.toString('hex');
    let r = this.paths.get(key);
    if (!r) {
      r = mergePath(path, this.resolver.path(path));
      this.paths.set(key, r);
    }
    return r;
  }

  answer(query: Query): Answer {
    if (query.kind === 'gfid') {
      const gfid = this.gfid(query.gfid);
      return { kind: 'gfid', query, resolved: gfid.resolved, reason: gfid.reason, gfid };
    }
    if (query.kind === 'path') {
      const path = this.path(query.path);
      return { kind: 'path', query, resolved: path.resolved, reason: path.reason, path, parent: null };
    }
    const parent = this.gfid(query.gfid);
    const parentPath = parent.type === 'dir' ? parent.paths[0] : undefined;
    if (!parentPath) {
      const why = parent.type !== null && parent.type !== 'dir' ? `is a ${parent.type}, not a directory` : `is unresolved: ${parent.reason}`;
      return { kind: 'path', query, resolved: false, reason: `parent ${query.gfid} ${why}`, path: null, parent };
    }
    const path = this.path(childPath(parentPath, query.name));
    return { kind: 'path', query, resolved: path.resolved, reason: path.reason, path, parent };
  }
}

export interface HealInfoEntry {
  /** The entry as gluster printed it, without AFR's remark. */
  raw: Buffer;
  query: Query | null;
  /** AFR's note after the entry (`Is in split-brain`, `Possibly undergoing heal`). */
  remark: string | null;
}

export interface HealInfoBlock {
  /** `host:/path` */
  brick: string;
  status: string | null;
  /** `Number of entries:` as printed (`-` when the brick could not be asked). */
  count: string | null;
  entries: HealInfoEntry[];
}

const REMARKS = [' - Is in split-brain', ' - Possibly undergoing heal'];

/**
 * Parses heal info output as bytes (names are bytes). Entry lines start with `/` or
 * `<gfid:`; EC prints each followed by one space, which is dropped. Other lines (Status,
 * Number of entries, messages) are read for their values or skipped.
 */
export function parseHealInfo(input: Buffer): HealInfoBlock[] {
  const blocks: HealInfoBlock[] = [];
  let block: HealInfoBlock | undefined;
  for (const line of input.toString('latin1').split('\n')) {
    if (line.startsWith('Brick ')) {
      block = { brick: Buffer.from(line.slice(6).trim(), 'latin1').toString(), status: null, count: null, entries: [] };
      blocks.push(block);
      continue;
    }
    if (!block) continue;
    if (line.startsWith('Status: ')) block.status = line.slice(8).trim();
    else if (line.startsWith('Number of entries: ')) block.count = line.slice(19).trim();
    else if (line.startsWith('/') || line.startsWith('<gfid:')) block.entries.push(healEntry(line));
  }
  return blocks;
}

function healEntry(line: string): HealInfoEntry {
  let text = line;
  let remark: string | null = null;
  const found = REMARKS.find((r) => text.endsWith(r));
  if (found) {
    remark = found.slice(3);
    text = text.slice(0, -found.length);
  } else if (text.endsWith(' ')) {
    text = text.slice(0, -1);
  }
  const raw = Buffer.from(text, 'latin1');
  return { raw, query: parseQuery(raw), remark };
}
