/**
 * The GlusterFS side of the harness: installing the packages, starting glusterd, and the
 * `gluster` CLI calls the volume code needs, with their output parsed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { spawn } from 'node:child_process';
import { CommandError, run, sleep, waitFor, type CommandResult } from './exec.ts';

/** What the harness needs on the machine; `attr` brings getfattr/setfattr for contributors. */
const REQUIRED_BINARIES = ['/usr/sbin/glusterd', '/usr/sbin/gluster', '/usr/sbin/glusterfs', '/usr/bin/getfattr'];
const APT_PACKAGES = ['glusterfs-server', 'attr'];

export const GLUSTERD_STATE_DIR = '/var/lib/glusterd';

/** Bricks of volumes on this single node are addressed as `<hostname>:<dir>`. */
export const brickHost = (): string => hostname();

let installed = false;

/** Installs GlusterFS from Debian's packages when it is missing (CI and new machines start without it). */
export async function ensureGlusterInstalled(): Promise<void> {
  if (installed || REQUIRED_BINARIES.every((b) => existsSync(b))) {
    installed = true;
    return;
  }
  if (process.getuid?.() !== 0) {
    throw new Error(`GlusterFS is not installed and installing it needs root (missing: ${REQUIRED_BINARIES.join(', ')})`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update'], { env });
  await run('apt-get', ['install', '-y', ...APT_PACKAGES], { env });
  installed = true;
}

/** glusterd's answer while another transaction (another process's, on this shared glusterd) holds its lock; nothing was done. */
const GLUSTERD_BUSY = /Another transaction is in progress|Locking failed on|try again after some time/;

/** Runs a command (allowed to fail) again while glusterd says it is busy, up to about 20 s. */
export async function retryWhileGlusterdBusy(attempt: () => Promise<CommandResult>): Promise<CommandResult> {
  for (let tries = 1; ; tries++) {
    const r = await attempt();
    if (r.code === 0 || tries === 8 || !GLUSTERD_BUSY.test(r.stderr + r.stdout)) return r;
    await sleep(500 * tries);
  }
}

/** `gluster --mode=script ARGS`; script mode answers every confirmation prompt with yes. */
export async function gluster(args: readonly string[], allowFailure = false): Promise<CommandResult> {
  const argv = ['--mode=script', ...args];
  const r = await retryWhileGlusterdBusy(() => run('gluster', argv, { allowFailure: true, timeoutMs: 180_000 }));
  if (r.code !== 0 && !allowFailure) throw new CommandError(['gluster', ...argv].join(' '), r);
  return r;
}

async function glusterdAnswers(): Promise<boolean> {
  return (await gluster(['volume', 'list'], true)).code === 0;
}

/**
 * Starts glusterd when it does not answer. glusterd is shared machine state (other
 * volumes may live in it), so the harness starts it but never stops it.
 */
export async function ensureGlusterd(): Promise<void> {
  await ensureGlusterInstalled();
  if (await glusterdAnswers()) return;
  // glusterd daemonizes itself; detach so it outlives this process like a service would.
  const child = spawn('glusterd', [], { detached: true, stdio: 'ignore' });
  child.unref();
  await waitFor('glusterd to answer `gluster volume list`', async () => ((await glusterdAnswers()) ? true : undefined), 60_000, 500);
}

export async function listVolumes(): Promise<string[]> {
  const out = (await gluster(['volume', 'list'])).stdout.trim();
  return out === '' || out.startsWith('No volumes') ? [] : out.split('\n').map((l) => l.trim());
}

export interface BrickStatus {
  path: string;
  online: boolean;
  pid: number | null;
}

const xmlField = (xml: string, tag: string): string | undefined => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];

/** Brick processes of a volume in volume order (from `volume status --xml`; daemons are left out). */
export async function brickStatus(volume: string): Promise<BrickStatus[]> {
  const res = await gluster(['volume', 'status', volume, '--xml'], true);
  // A stopped volume answers with opRet -1 and no nodes: every brick is offline then.
  const nodes = res.stdout.split('<node>').slice(1);
  return nodes
    .filter((n) => xmlField(n, 'path')?.startsWith('/'))
    .map((n) => {
      const pid = Number(xmlField(n, 'pid'));
      return {
        path: xmlField(n, 'path')!,
        online: xmlField(n, 'status') === '1',
        pid: Number.isInteger(pid) && pid > 0 ? pid : null,
      };
    });
}

/**
 * glusterd's vols/NAME folder as archive members under volinfo/: `info` for the layout and
 * brick order, and the volfiles, whose names are the only place the volume name is kept
 * once the folder is copied elsewhere (gfsck --volinfo reads it from them).
 */
export function volinfoMembers(volume: string): Record<string, Buffer> {
  const dir = `${GLUSTERD_STATE_DIR}/vols/${volume}`;
  return Object.fromEntries(readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => [`volinfo/${e.name}`, readFileSync(join(dir, e.name))]));
}

export function parseVolinfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return fields;
}

export interface HealEntry {
  /** A path, or `<gfid:…>` for an entry the brick could only name by its gfid. */
  path: string;
  /** AFR's remark after the path, when it printed one. */
  state?: 'split-brain' | 'possibly-healing';
}

/** AFR appends these to an entry's line; EC prints the path followed by a single space. */
const ENTRY_REMARKS: Array<[string, HealEntry['state']]> = [
  [' - Is in split-brain', 'split-brain'],
  [' - Possibly undergoing heal', 'possibly-healing'],
];

function parseHealEntry(line: string): HealEntry {
  for (const [remark, state] of ENTRY_REMARKS) {
    if (line.trimEnd().endsWith(remark)) return { path: line.trimEnd().slice(0, -remark.length), state };
  }
  return { path: line.endsWith(' ') ? line.slice(0, -1) : line };
}

export interface HealInfoBrick {
  /** `host:/path` as gluster prints it. */
  brick: string;
  /** `Connected`, or the reason the brick could not be asked (e.g. `Transport endpoint is not connected`). */
  status: string;
  entries: HealEntry[];
  /** Null when gluster printed `-` (brick not reachable). */
  count: number | null;
}

/** Parses `gluster volume heal VOL info`: one block per brick, entries one per line. */
export function parseHealInfo(text: string): HealInfoBrick[] {
  const bricks: HealInfoBrick[] = [];
  let current: HealInfoBrick | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('Brick ')) {
      current = { brick: line.slice('Brick '.length).trim(), status: '', entries: [], count: null };
      bricks.push(current);
    } else if (!current || line.trim() === '') {
      continue;
    } else if (line.startsWith('Status: ')) {
      current.status = line.slice('Status: '.length).trim();
    } else if (line.startsWith('Number of entries: ')) {
      const n = Number(line.slice('Number of entries: '.length).trim());
      current.count = Number.isInteger(n) ? n : null;
    } else {
      current.entries.push(parseHealEntry(line));
    }
  }
  return bricks;
}

export async function healInfo(volume: string): Promise<HealInfoBrick[]> {
  // heal info exits non-zero when some brick is down but still prints every brick's block.
  const res = await gluster(['volume', 'heal', volume, 'info'], true);
  const parsed = parseHealInfo(res.stdout);
  if (parsed.length === 0) throw new Error(`gluster volume heal ${volume} info gave nothing: ${res.stderr || res.stdout}`);
  return parsed;
}
