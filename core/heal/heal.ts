/**
 * `gfsck heal`: scan the bricks into the catalog, settle the layout, and plan the heal of
 * every entry (plan.ts). The plan is handed out entry by entry, so a caller can print it
 * (--sources) or execute it (--apply, apply.ts) without holding a whole volume in memory.
 */
import { Catalog } from '../index/catalog.ts';
import { requireRoot, scanVolume, validateBricks } from '../inspect/inspect.ts';
import { layoutOrigin, type LayoutSource } from '../volume/resolve.ts';
import type { ScanProgress } from '../brick/scan.ts';
import type { VolumeShape } from '../volume/copies.ts';
import { describeLayout } from '../volume/layout.ts';
import { requireOneVolume } from '../volume/identity.ts';
import { planHeal, type EntryPlan, type SetSummary } from './plan.ts';
import { DataVerifier } from './verify-data.ts';
import type { Policy } from './policy.ts';

export interface HealOptions {
  bricks: string[];
  db: string | null;
  resume: boolean;
  layout: LayoutSource;
  jobs: number;
  trustFragments: boolean;
  /** --policy: how replica split-brains are settled (null: reported, not settled). */
  policy: Policy | null;
  /** --verify-data, with the progress of the bytes read. */
  verifyData?: (bytes: number) => void;
  onScan?: (p: ScanProgress) => void;
}

export interface HealPlanRun {
  shape: VolumeShape;
  layoutText: string;
  catalog: Catalog;
  /**
   * Every entry's plan, in path order per set; `summaries` is complete once it is drained.
   * Each call starts a new pass over the catalog and yields the same plans.
   */
  entries(): AsyncGenerator<EntryPlan>;
  /** Ends what the plan started (the verifier's worker threads). */
  close(): Promise<void>;
  summaries: SetSummary[];
}

export async function openHealPlan(opts: HealOptions): Promise<HealPlanRun> {
  requireRoot();
  const roots = validateBricks(opts.bricks);
  requireOneVolume(roots, opts.layout.volinfo);
  const catalog = Catalog.open(opts.db);
  try {
    const { layout, sets } = await scanVolume(catalog, roots, { resume: opts.resume, layout: opts.layout, jobs: opts.jobs, onProgress: opts.onScan });
    const shape: VolumeShape = { layout, sets, roots: roots.map((r) => Buffer.from(r)) };
    const summaries: SetSummary[] = [];
    const verifier = opts.verifyData ? new DataVerifier(shape, opts.verifyData) : undefined;
    return {
      shape, catalog, summaries,
      layoutText: `${describeLayout(layout)} (${layoutOrigin(layout, opts.layout)})`,
      entries: () => {
        summaries.length = 0; // each pass counts afresh
        return planHeal(catalog.db, shape, { trustFragments: opts.trustFragments, verifier, policy: opts.policy }, summaries);
      },
      close: async () => {
        await verifier?.close();
        catalog.close();
      },
    };
  } catch (e) {
    catalog.close();
    throw e;
  }
}
