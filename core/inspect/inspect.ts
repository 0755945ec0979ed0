/**
 * An inspection: check the bricks are bricks, scan them into the catalog, settle how they
 * form sets, and run the check passes in order.
 */
import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Catalog, type BrickRow } from '../index/catalog.ts';
import { scanBrick, type ScanProgress } from '../brick/scan.ts';
import { GfsckError } from '../errors.ts';
import { getXattr } from '../fs/xattr.ts';
import { brickSets, describeLayout, type BrickSet, type VolumeLayout } from '../volume/layout.ts';
import type { VolumeShape } from '../volume/copies.ts';
import { preflightLayout, resolveLayout, type LayoutSource } from '../volume/resolve.ts';
import { CheckContext, type Pass } from '../check/context.ts';
import { PASSES, type PassName, type Severity } from '../check/problems.ts';
import { checkRoots } from '../check/passes/root.ts';
import { checkEntries } from '../check/passes/entries.ts';
import { checkHandles } from '../check/passes/handles.ts';
import { checkHealIndices } from '../check/passes/indices.ts';
import { checkSets } from '../check/passes/sets.ts';

const PASS_IMPL: Record<PassName, Pass> = {
  root: checkRoots,
  entries: checkEntries,
  handles: checkHandles,
  indices: checkHealIndices,
  sets: checkSets,
};

export interface InspectOptions {
  bricks: string[];
  db: string | null;
  resume: boolean;
  layout: LayoutSource;
  jobs: number;
  onProgress?: (p: ScanProgress) => void;
  onPass?: (title: string) => void;
  /** Called once the catalog is open, so a caller can close it if interrupted. */
  onCatalog?: (catalog: Catalog) => void;
}

export interface Inspection {
  catalog: Catalog;
  layout: VolumeLayout;
  sets: BrickSet[];
  /** The bricks as the heal verdict sees them (core/heal/set-verdict.ts judges each set on it). */
  shape: VolumeShape;
  counts: Record<Severity, number>;
}

/** Fails with a one-line operational error unless we can read trusted.* xattrs at all. */
export function requireRoot(): void {
  if (process.getuid && process.getuid() !== 0) {
    throw new GfsckError('operational', 'trusted.* xattrs need root: run gfsck as root');
  }
}

/** Resolves and validates brick directories; returns their canonical absolute paths. */
export function validateBricks(paths: string[]): string[] {
  if (paths.length === 0) throw new GfsckError('usage', 'no brick directories given');
  const roots = paths.map((p) => {
    let real: string;
    try {
      real = realpathSync(resolve(p));
      if (!statSync(real).isDirectory()) throw new GfsckError('operational', `${p}: not a directory`);
    } catch (e) {
      if (e instanceof GfsckError) throw e;
      throw new GfsckError('operational', `${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (e as Error).message}`);
    }
    let isBrick = false;
    try {
      isBrick = statSync(`${real}/.glusterfs`).isDirectory() || getXattr(real, 'trusted.glusterfs.volume-id') !== null;
    } catch {
      isBrick = getXattr(real, 'trusted.glusterfs.volume-id') !== null;
    }
    if (!isBrick) throw new GfsckError('operational', `${p}: not a GlusterFS brick (no .glusterfs and no trusted.glusterfs.volume-id)`);
    return real;
  });
  const seen = new Set<string>();
  for (const r of roots) {
    if (seen.has(r)) throw new GfsckError('usage', `brick ${r} is given twice`);
    seen.add(r);
  }
  return roots;
}

export interface ScannedVolume {
  bricks: BrickRow[];
  layout: VolumeLayout;
  sets: BrickSet[];
}

/**
 * Scans validated brick roots into the catalog (bricks already complete are kept with
 * `resume`) and settles the layout and sets. Shared by inspect and rebuild --out.
 */
export async function scanVolume(catalog: Catalog, roots: string[], opts: Pick<InspectOptions, 'resume' | 'layout' | 'jobs' | 'onProgress'>): Promise<ScannedVolume> {
  preflightLayout(opts.layout, roots.length);
  // Sets are settled after the scan, when inference can look at what the bricks hold.
  const scanned = catalog.registerBricks(roots.map((r) => ({ root: Buffer.from(r), setIndex: 0, setMember: 0 })));
  for (const brick of scanned) {
    if (brick.state === 'complete' && opts.resume) continue;
    await scanBrick(catalog, brick, { jobs: opts.jobs, resume: opts.resume, onProgress: opts.onProgress });
  }
  const layout = resolveLayout(catalog, opts.layout, roots.length);
  const sets = brickSets(layout, roots.length);
  const bricks = catalog.registerBricks(roots.map((r, i) => ({ root: Buffer.from(r), setIndex: Math.floor(i / layout.setSize), setMember: i % layout.setSize })));
  catalog.setMeta('layout', JSON.stringify({ ...layout, description: describeLayout(layout) }));
  return { bricks, layout, sets };
}

export async function inspect(opts: InspectOptions): Promise<Inspection> {
  requireRoot();
  const roots = validateBricks(opts.bricks);
  const catalog = Catalog.open(opts.db);
  opts.onCatalog?.(catalog);
  try {
    const { bricks, layout, sets } = await scanVolume(catalog, roots, opts);
    const ctx = new CheckContext(catalog.db, bricks, sets, layout);
    catalog.db.prepare(`DELETE FROM findings`).run();
    for (const pass of PASSES) {
      opts.onPass?.(pass.title);
      catalog.db.transaction(() => PASS_IMPL[pass.name](ctx))();
    }
    return { catalog, layout, sets, shape: { layout, sets, roots: roots.map((r) => Buffer.from(r)) }, counts: severityCounts(catalog) };
  } catch (e) {
    catalog.close();
    throw e;
  }
}

function severityCounts(catalog: Catalog): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const row of catalog.db.prepare(`SELECT severity, COUNT(*) AS n FROM findings GROUP BY severity`).all() as Array<{ severity: Severity; n: number }>) {
    counts[row.severity] = row.n;
  }
  return counts;
}

