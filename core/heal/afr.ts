/**
 * AFR's pending matrix and heal direction (heal-sources.md §2.1, §2.3): on brick i,
 * trusted.afr.<vol>-client-<j> counts what i knows j missed; sources are the bricks no
 * trustworthy brick accuses.
 */
import type { BrickSet } from '../volume/layout.ts';
import type { XattrJson } from '../index/xattr-column.ts';

export const AFR_COLUMNS = ['data', 'metadata', 'entry'] as const;
export type AfrColumn = (typeof AFR_COLUMNS)[number];

export interface PendingMatrix {
  /** pending[i][j][column], by member index in the set. */
  pending: number[][][];
  dirty: number[][];
}

export function pendingMatrix(set: BrickSet, bricks: Array<{ member: number; xattrs: XattrJson }>): PendingMatrix {
  const n = set.bricks.length;
  const pending = Array.from({ length: n }, () => Array.from({ length: n }, () => [0, 0, 0]));
  const dirty = Array.from({ length: n }, () => [0, 0, 0]);
  for (const { member, xattrs } of bricks) {
    for (const d of Object.values(xattrs)) {
      const c = d.counters as { data: number; metadata: number; entry: number } | undefined;
      if (!c) continue;
      const counters = [c.data, c.metadata, c.entry];
      if (d.kind === 'afr-dirty') dirty[member] = counters;
      if (d.kind === 'afr-pending') {
        // The client index is the brick's position in the whole volume.
        const accused = set.bricks.indexOf(d.client as number);
        if (accused >= 0) pending[member]![accused] = counters;
      }
    }
  }
  return { pending, dirty };
}

export interface AfrDirection { sources: number[]; sinks: number[]; splitBrain: boolean; describe: string }

export function afrSources(m: PendingMatrix, column: AfrColumn): AfrDirection {
  const col = AFR_COLUMNS.indexOf(column);
  const n = m.pending.length;
  const at = (i: number, j: number) => m.pending[i]![j]![col]!;
  const selfAccused = Array.from({ length: n }, (_, i) => at(i, i) !== 0);
  const accusers = (j: number) => Array.from({ length: n }, (_, i) => i).filter((i) => !selfAccused[i] && at(i, j) !== 0);
  let sources = Array.from({ length: n }, (_, j) => j).filter((j) => accusers(j).length === 0);
  // Client quorum 'auto' (replica > 2) lets bricks accused by fewer than a majority be sources.
  if (sources.length === 0 && column !== 'entry' && n > 2) {
    const quorum = Math.floor(n / 2) + 1;
    sources = Array.from({ length: n }, (_, j) => j).filter((j) => accusers(j).length < quorum);
  }
  const sinks = Array.from({ length: n }, (_, j) => j).filter((j) => sources.length > 0 && accusers(j).some((i) => sources.includes(i)));
  const describe = Array.from({ length: n }, (_, i) => `[${Array.from({ length: n }, (_, j) => at(i, j)).join(' ')}]`).join(' ');
  return { sources, sinks, splitBrain: sources.length === 0, describe };
}
