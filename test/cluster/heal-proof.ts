/**
 * The proof that a healer really healed a disperse or replica volume a scenario left
 * damaged: after the heal GlusterFS itself sees nothing to heal (nor any split-brain), the
 * healed bricks serve every file of the truth with the good bricks killed, sparse files
 * stay sparse, and, for gfsck, the plan is empty afterwards and the journal undoes the heal
 * byte for byte. Every check is recorded with what it saw, so a healer that fails one still
 * shows how the others went.
 */
import { closeSync, lstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { patternBytes, sha256Hex } from './content.ts';
import { run, waitFor } from './exec.ts';
import { GLUSTERD_STATE_DIR, gluster } from './gluster.ts';
import { setSize, subvolCount } from './layout.ts';
import { diffNamespaces, readNamespace } from './namespace.ts';
import { volumeScratchDir } from './registry.ts';
import type { Truth, TruthEntry } from './truth.ts';
import { runScenario, type Scenario } from './scenario.ts';
import { withVolume, type Volume } from './volume.ts';
import { gfsck, type CliResult } from '../support/cli.ts';
import { snapshotDiff, snapshotTree } from '../repair/snapshot.ts';

/** How long GlusterFS gets to show an empty heal info after the heal (glustershd crawls once per brick connect). */
export const HEAL_INFO_BOUND_MS = Number(process.env.GFSCK_HEAL_INFO_BOUND_MS ?? 180_000);
/** Longest a `gfsck heal` run may take on a test tree before it counts as hung. */
const GFSCK_TIMEOUT_MS = 300_000;
/** A healed fragment of a sparse file may be allocated this much more than the good brick's. */
const SPARSE_SLACK_BYTES = 128 * 1024;
const KiB64 = 64 * 1024;

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export class ProofReport {
  readonly checks: CheckResult[] = [];
  constructor(
    readonly healer: string,
    readonly scenario: string,
  ) {}

  /** Runs one check; its error, if any, becomes a failed result instead of ending the proof. */
  async check(name: string, fn: () => Promise<string> | string): Promise<boolean> {
    try {
      this.checks.push({ name, ok: true, detail: await fn() });
      return true;
    } catch (e) {
      this.checks.push({ name, ok: false, detail: e instanceof Error ? e.message : String(e) });
      return false;
    }
  }

  get failed(): CheckResult[] {
    return this.checks.filter((c) => !c.ok);
  }

  toString(): string {
    return [`${this.scenario} healed by ${this.healer}:`, ...this.checks.map((c) => `  ${c.ok ? 'PASS' : 'FAIL'} ${c.name}: ${c.detail}`)].join('\n');
  }
}

/** What the files must read after the heal, and which bricks the heal has to rewrite. */
export interface HealExpectation {
  entries: TruthEntry[];
  /**
   * Files a client crash left with fragments longer than trusted.ec.size: after a heal that
   * keeps what the fragments hold they must start with the acknowledged bytes, and may run
   * on by the write in flight and the zero padding of the last stripe.
   */
  grown: Map<string, { prefixBytes: number; prefixSha256: string }>;
  /** Bricks a damage record names (stale, rotten, inconsistent): the heal's sinks. */
  sinks: Set<number>;
}

export function healExpectation(truth: Truth): HealExpectation {
  const grown = new Map<string, { prefixBytes: number; prefixSha256: string }>();
  for (const d of truth.damage) {
    const acknowledged = d.data?.acknowledgedBytes;
    if (d.kind === 'ec-size-mismatch' && d.path && typeof acknowledged === 'number') {
      grown.set(d.path, { prefixBytes: acknowledged, prefixSha256: sha256Hex(patternBytes(truth.scenario, 0, acknowledged)) });
    }
  }
  return { entries: truth.entries, grown, sinks: new Set(truth.healWith?.sinks ?? truth.damage.map((d) => d.brick)) };
}

export interface Healer {
  name: string;
  /** Heals the stopped volume and leaves it started; may record checks of its own. */
  heal(vol: Volume, truth: Truth, report: ProofReport): Promise<void>;
}

/** GlusterFS's own heal: start the volume, ask glustershd for an index heal; the drain is check (a). */
export const glustershdHealer: Healer = {
  name: 'glustershd',
  async heal(vol) {
    await vol.startForce();
    await requestIndexHeal(vol);
  },
};

/** `gluster volume heal VOL`; the daemon accepts it only once it has connected to the restarted bricks. */
export async function requestIndexHeal(vol: Volume): Promise<void> {
  await waitFor(`gluster volume heal ${vol.name} to be accepted`, async () => ((await gluster(['volume', 'heal', vol.name], true)).code === 0 ? true : undefined), 60_000, 1000);
}

/** The options a scenario's damage needs: kept fragments for a crashed write, data reads for bitrot, the policy for a split-brain. */
export function gfsckHealOptions(truth: Truth): string[] {
  const kinds = new Set(truth.damage.map((d) => d.kind));
  return [...(kinds.has('ec-size-mismatch') ? ['--trust-fragments'] : []), ...(kinds.has('bitrot') ? ['--verify-data'] : []), ...(truth.healWith?.options ?? [])];
}

export const volinfoDir = (vol: Volume): string => `${GLUSTERD_STATE_DIR}/vols/${vol.name}`;

const describeRun = (r: CliResult): string => `exit ${r.status ?? 'killed (timeout)'}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`;

/** Whether `gfsck heal --help` printed the help of a heal command that has --apply (an unknown command prints the top-level help). */
export const describesHealApply = (help: string): boolean => /^Usage: gfsck heal\b/m.test(help) && help.includes('--apply');

/** Fails at once, with the reason, when this build of gfsck has no `heal --apply`. */
export function requireHealApply(): void {
  const help = gfsck(['heal', '--help'], { timeoutMs: 60_000 });
  if (!describesHealApply(help.stdout)) {
    const usage = help.stdout.split('\n')[0] ?? '';
    throw new Error(`this gfsck has no \`heal --apply\`: \`gfsck heal --help\` exited ${help.status} and printed "${usage}"`);
  }
}

export function gfsckHeal(args: string[]): CliResult {
  return gfsck(['heal', ...args], { timeoutMs: GFSCK_TIMEOUT_MS });
}

export const applyArgs = (vol: Volume, truth: Truth, journal: string, bricks = vol.bricks): string[] =>
  ['--apply', '--journal', journal, ...gfsckHealOptions(truth), '--volinfo', volinfoDir(vol), ...bricks];

/** (c): a read-only plan of the healed bricks finds nothing left to heal. */
export async function checkPlanEmpty(vol: Volume, truth: Truth, report: ProofReport): Promise<void> {
  await report.check('second heal --sources exits 0', () => {
    const plan = gfsckHeal(['--sources', ...gfsckHealOptions(truth).filter((o) => o === '--verify-data'), '--volinfo', volinfoDir(vol), ...vol.bricks]);
    if (plan.status !== 0) throw new Error(`${describeRun(plan)}\n${plan.stdout.slice(0, 4000)}`);
    return 'nothing left to heal';
  });
}

/** Copies stopped bricks (xattrs, hard links and holes kept) to `<scratch>/<label>/b<i>`. */
export async function copyBricks(vol: Volume, label: string): Promise<string[]> {
  const copies = vol.bricks.map((_, i) => join(volumeScratchDir(vol.name), label, `b${i}`));
  mkdirSync(join(volumeScratchDir(vol.name), label), { recursive: true });
  for (const [i, b] of vol.bricks.entries()) await run('cp', ['-a', '--sparse=auto', b, copies[i]!]);
  return copies;
}

/** Puts the stopped bricks back as they were in `copies`. */
export async function restoreBricks(vol: Volume, copies: string[]): Promise<void> {
  for (const [i, b] of vol.bricks.entries()) {
    await run('rm', ['-rf', b]);
    await run('cp', ['-a', '--sparse=auto', copies[i]!, b]);
  }
}

/**
 * `gfsck heal --apply` offline. Before it, (d) on a copy of the stopped bricks: heal with a
 * journal, undo, and the copy must be as it was. After it, (c); then the volume starts with
 * every other healer off (glustershd for this volume, client background heals), so what
 * GlusterFS sees next is gfsck's work alone.
 */
export const gfsckHealer: Healer = {
  name: 'gfsck',
  async heal(vol, truth, report) {
    requireHealApply();
    const copies = await copyBricks(vol, 'undo-copy');
    await report.check('--undo restores the bricks byte for byte', () => {
      const before = copies.map(snapshotTree);
      const journal = join(volumeScratchDir(vol.name), 'undo-copy.journal');
      const healed = gfsckHeal(applyArgs(vol, truth, journal, copies));
      if (healed.status !== 1) throw new Error(`heal --apply on the copy: ${describeRun(healed)}`);
      if (copies.every((c, i) => snapshotDiff(before[i]!, snapshotTree(c)).length === 0)) throw new Error('heal --apply changed nothing');
      const undo = gfsckHeal(['--undo', journal]);
      if (undo.status !== 0) throw new Error(`heal --undo: ${describeRun(undo)}`);
      const diffs = copies.flatMap((c, i) => snapshotDiff(before[i]!, snapshotTree(c)).map((d) => `b${i} ${d}`));
      if (diffs.length > 0) throw new Error(`${diffs.length} differences, e.g. ${diffs.slice(0, 5).join('; ')}`);
      return `${copies.length} bricks identical after undo`;
    });
    await report.check('heal --apply exits 1', () => {
      const healed = gfsckHeal(applyArgs(vol, truth, join(volumeScratchDir(vol.name), 'heal.journal')));
      if (healed.status !== 1) throw new Error(describeRun(healed));
      return healed.stdout.trim().split('\n').slice(-1)[0] ?? '';
    });
    await checkPlanEmpty(vol, truth, report);
    await startWithoutOtherHealers(vol);
  },
};

/** Turns off every healer of the volume: its self-heal daemon and the clients' own heals. */
export async function disableOtherHealers(vol: Volume): Promise<void> {
  await gluster(['volume', 'heal', vol.name, 'disable']);
  const clientHeals = isReplicate(vol) ? ['cluster.data-self-heal', 'cluster.metadata-self-heal', 'cluster.entry-self-heal'] : ['disperse.background-heals'];
  for (const option of clientHeals) await gluster(['volume', 'set', vol.name, option, option === 'disperse.background-heals' ? '0' : 'off']);
}

export async function startWithoutOtherHealers(vol: Volume): Promise<void> {
  await disableOtherHealers(vol);
  await vol.startForce();
}

const isReplicate = (vol: Volume): boolean => vol.spec.type === 'replicate';

/** Polls heal info until every brick is connected and lists nothing; the seconds it took. Throws with the last listing after `boundMs`. */
export async function waitHealInfoEmpty(vol: Volume, boundMs: number): Promise<number> {
  const start = Date.now();
  let last = '';
  try {
    await waitFor(`heal info of ${vol.name} to list nothing`, async () => {
      const info = await vol.healInfo();
      last = info.map((b) => `${b.brick.split('/').pop()}: ${b.status} ${b.count ?? '-'} ${b.entries.slice(0, 3).map((e) => e.path).join(' ')}`).join('; ');
      return info.every((b) => b.status === 'Connected' && b.count === 0) ? true : undefined;
    }, boundMs, 2000);
  } catch {
    throw new Error(`still after ${boundMs / 1000} s: ${last}`);
  }
  return (Date.now() - start) / 1000;
}

/** (a): every brick connected and listing no entry, within the bound; on replica volumes no split-brain either. */
export async function checkHealInfoEmpty(vol: Volume, report: ProofReport): Promise<void> {
  await report.check('heal info lists 0 entries on every brick', async () => `empty after ${(await waitHealInfoEmpty(vol, HEAL_INFO_BOUND_MS)).toFixed(1)} s`);
  if (!isReplicate(vol)) return;
  await report.check('heal info split-brain lists 0 entries', async () => {
    const listing = (await gluster(['volume', 'heal', vol.name, 'info', 'split-brain'])).stdout;
    const counts = [...listing.matchAll(/^Number of entries in split-brain: (\d+)$/gm)].map((m) => Number(m[1]));
    if (counts.length !== vol.bricks.length || counts.some((c) => c !== 0)) throw new Error(listing.trim().split('\n').slice(0, 12).join(' | '));
    return `${counts.length} bricks, 0 entries each`;
  });
}

/**
 * The good bricks to kill so that the healed ones must serve: per disperse set as many as
 * its redundancy; per replica set every good data brick, so a healed brick is the only data
 * brick up (the arbiter, which holds no data, stays). Replica proofs use quorum-type none.
 */
function bricksToKill(vol: Volume, sinks: Set<number>): number[] {
  const spec = vol.spec;
  const n = setSize(spec);
  const arbiter = spec.type === 'replicate' && spec.arbiter ? n - 1 : null;
  return Array.from({ length: subvolCount(spec) }, (_, s) => {
    const data = Array.from({ length: n }, (_, i) => i).filter((i) => i !== arbiter).map((i) => s * n + i);
    const good = data.filter((b) => !sinks.has(b));
    if (spec.type === 'disperse' || spec.type === 'distributed-disperse') return good.slice(0, spec.r);
    return good.length < data.length ? good : good.slice(1);
  }).flat();
}

function fileHead(file: string, bytes: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    let done = 0;
    while (done < bytes) {
      const n = readSync(fd, buf, done, bytes - done, done);
      if (n === 0) break;
      done += n;
    }
    return buf.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

/** (b): a fresh mount with the good bricks killed serves the expected namespace exactly. */
export async function checkHealedBricksServe(vol: Volume, expected: HealExpectation, report: ProofReport): Promise<void> {
  await report.check('files read from the healed bricks match the truth', async () => {
    const killed = bricksToKill(vol, expected.sinks);
    for (const b of killed) await vol.killBrick(b);
    const mp = await vol.mount();
    const served = await readNamespace(mp);
    const entries = expected.entries.map((want) => {
      const rule = expected.grown.get(want.path);
      const got = served.find((e) => e.path === want.path);
      if (!rule || !got) return want;
      const head = fileHead(join(mp, want.path), rule.prefixBytes);
      if (head.length < rule.prefixBytes) throw new Error(`${want.path} serves ${got.size} bytes, fewer than the ${rule.prefixBytes} acknowledged`);
      if (createHash('sha256').update(head).digest('hex') !== rule.prefixSha256) throw new Error(`${want.path}: the first ${rule.prefixBytes} bytes are not what was written`);
      return { ...want, size: got.size, sha256: got.sha256 };
    });
    const diffs = diffNamespaces(entries, served);
    if (diffs.length > 0) throw new Error(`${diffs.length} differences with bricks ${killed.join(',')} killed: ${diffs.slice(0, 8).join('; ')}`);
    return `${served.length} entries identical, served with bricks ${killed.join(',')} killed`;
  });
}

/** A healed fragment of a file that is sparse on a good brick must not be much more allocated. */
export async function checkSparseKept(vol: Volume, expected: HealExpectation, report: ProofReport): Promise<void> {
  await report.check('sparse files stay sparse on the healed bricks', () => {
    const n = setSize(vol.spec);
    const seen: string[] = [];
    for (const e of expected.entries) {
      if (e.type !== 'file') continue;
      for (let s = 0; s < subvolCount(vol.spec); s++) {
        const members = Array.from({ length: n }, (_, i) => s * n + i);
        const stat = (b: number) => { try { return lstatSync(join(vol.bricks[b]!, e.path)); } catch { return undefined; } };
        const good = members.filter((b) => !expected.sinks.has(b)).map(stat).find((st) => st !== undefined && st.size > 0);
        if (!good || good.blocks * 512 > good.size - KiB64) continue;
        for (const sink of members.filter((b) => expected.sinks.has(b))) {
          const healed = stat(sink);
          const allocated = (healed?.blocks ?? 0) * 512;
          if (allocated > good.blocks * 512 + SPARSE_SLACK_BYTES) {
            throw new Error(`${e.path} on brick ${sink}: ${allocated} bytes allocated of ${healed!.size}, the good brick ${good.blocks * 512}`);
          }
          seen.push(`${e.path}@b${sink} ${allocated}/${healed?.size ?? 0}`);
        }
      }
    }
    return seen.length > 0 ? `allocated/size: ${seen.join(', ')}` : 'no sparse file in this scenario';
  });
}

/** Heals the stopped volume `vol` with `healer` and runs every check; the volume is left running. */
export async function proveHeal(vol: Volume, truth: Truth, healer: Healer): Promise<ProofReport> {
  const report = new ProofReport(healer.name, truth.scenario);
  const expected = healExpectation(truth);
  await healer.heal(vol, truth, report);
  await checkHealInfoEmpty(vol, report);
  await checkSparseKept(vol, expected, report);
  await checkHealedBricksServe(vol, expected, report);
  return report;
}

/** Runs `scenario` on a fresh volume of its own, then heals and proves it. */
export function proveScenarioHeal(scenario: Scenario, healer: Healer): Promise<ProofReport> {
  return withVolume(scenario.spec, async (vol) => proveHeal(vol, await runScenario(scenario, vol), healer), { tag: scenario.name });
}

/** The healer a proof run uses: gfsck, or GlusterFS's own when GFSCK_HEALER=glustershd (to check the proof itself). */
export function healerFromEnv(): Healer {
  const name = process.env.GFSCK_HEALER ?? 'gfsck';
  const healer = [gfsckHealer, glustershdHealer].find((h) => h.name === name);
  if (!healer) throw new Error(`GFSCK_HEALER=${name}: known healers are gfsck and glustershd`);
  return healer;
}
