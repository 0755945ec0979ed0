/**
 * `gfsck rebuild --handles`: inspect, plan (handle-plan.ts), and with `apply` make the
 * plan under a repair session (interlock, locks, undo journal), then inspect again. The
 * re-inspection is both the proof and the next work list: a repair can reveal work the
 * first scan could not see (a directory that gets its gfid back makes its children's
 * handle targets checkable), so rounds continue until a plan is empty, at most
 * MAX_ROUNDS times. What the last inspection still finds, with why, is what is left.
 */
import { inspect, requireRoot, validateBricks } from '../inspect/inspect.ts';
import type { ScanProgress } from '../brick/scan.ts';
import type { LayoutSource } from '../volume/resolve.ts';
import { planHandleRepairs, type LeftItem, type PlannedAction, type RepairPlan } from './handle-plan.ts';
import { AdoptFolder } from './adopt.ts';
import { findBrickServers, requireBricksOffline } from './interlock.ts';
import { RepairSession, journalPath, newRunId, requireOutsideBricks } from './session.ts';

export const MAX_ROUNDS = 3;

export interface HandleRepairOptions {
  bricks: string[];
  /** Catalog file to scan into and keep (else a temp file per inspection). */
  db: string | null;
  layout: LayoutSource;
  jobs: number;
  apply: boolean;
  force: boolean;
  /** Folder for orphans; without it orphans are left where they are. */
  adopt: string | null;
  /** Journal file; default under the state dir (session.ts journalPath). */
  journal: string | undefined;
  onEvent: (event: RepairEvent) => void;
  onProgress?: (p: ScanProgress) => void;
  onPass?: (title: string) => void;
}

export type RepairEvent =
  | { kind: 'warning'; text: string }
  | { kind: 'journal'; file: string }
  | { kind: 'round'; round: number }
  | { kind: 'planned'; action: PlannedAction }
  | { kind: 'done'; action: PlannedAction }
  | { kind: 'failed'; action: PlannedAction; error: string };

export interface HandleRepairResult {
  /** Actions listed (dry run) or made (apply). */
  planned: number;
  done: number;
  failed: number;
  left: LeftItem[];
  journal: string | null;
}

export async function repairHandles(opts: HandleRepairOptions): Promise<HandleRepairResult> {
  requireRoot();
  const roots = validateBricks(opts.bricks);
  if (opts.adopt !== null) requireOutsideBricks(opts.adopt, roots, 'the --adopt folder');
  const runId = newRunId();
  const journalFile = opts.apply ? journalPath(opts.journal, 'rebuild-handles', runId, roots) : null;
  if (opts.apply) {
    // Refuse before a long scan, not after it; the session checks again before writing.
    for (const text of requireBricksOffline(roots, opts.force)) opts.onEvent({ kind: 'warning', text });
  } else {
    for (const s of findBrickServers(roots)) {
      opts.onEvent({ kind: 'warning', text: `brick ${s.brick} is served by glusterfsd pid ${s.pid}: this plan may be stale by the time it is applied` });
    }
  }
  const adopt = opts.adopt === null ? null : new AdoptFolder(opts.adopt);
  const result: HandleRepairResult = { planned: 0, done: 0, failed: 0, left: [], journal: null };
  let session: RepairSession | null = null;
  try {
    for (let round = 1; ; round++) {
      const plan = await inspectAndPlan(opts, roots, adopt !== null);
      if (!opts.apply) {
        for (const action of plan.actions) opts.onEvent({ kind: 'planned', action });
        return { ...result, planned: plan.actions.length, left: plan.left };
      }
      if (plan.actions.length === 0 || round > MAX_ROUNDS) {
        const unfinished = plan.actions.map((a): LeftItem => ({
          brick: a.brick, label: a.label, code: a.code, subject: a.subject, why: `still needed after ${MAX_ROUNDS} rounds of repair: ${a.text}`,
        }));
        session?.end('complete');
        return { ...result, left: [...plan.left, ...unfinished], journal: session?.journal.file ?? null };
      }
      if (!session) {
        session = RepairSession.begin({ bricks: roots, journalFile: journalFile!, force: opts.force, command: 'rebuild --handles', runId });
        opts.onEvent({ kind: 'journal', file: journalFile! });
      } else {
        requireBricksOffline(roots, opts.force);
      }
      opts.onEvent({ kind: 'round', round });
      for (const action of plan.actions) {
        result.planned++;
        try {
          action.run({ session, adopt });
          result.done++;
          opts.onEvent({ kind: 'done', action });
        } catch (e) {
          result.failed++;
          opts.onEvent({ kind: 'failed', action, error: (e as Error).message });
        }
      }
      adopt?.writeManifest(session);
    }
  } finally {
    session?.end(); // cut short by an error: the journal stays 'open'
  }
}

async function inspectAndPlan(opts: HandleRepairOptions, roots: string[], adopting: boolean): Promise<RepairPlan> {
  const inspection = await inspect({
    bricks: roots, db: opts.db, resume: false, layout: opts.layout, jobs: opts.jobs, onProgress: opts.onProgress, onPass: opts.onPass,
  });
  try {
    return planHandleRepairs(inspection.catalog.db, inspection.catalog.bricks(), inspection.sets, { adopt: adopting });
  } finally {
    inspection.catalog.close();
  }
}
