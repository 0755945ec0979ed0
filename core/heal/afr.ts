/**
 * AFR's pending matrix and heal direction (heal-sources.md §2.1, §2.3): on brick i,
 * trusted.afr.<vol>-client-<j> counts what i knows j missed; sources are the bricks no
 * trustworthy brick accuses. When none is, data and metadata fall back on the client
 * quorum: bricks accused by fewer than the quorum count are sources; under `none` there is
 * no such fallback and the set is in split-brain.
 */
import type { BrickSet, ClientQuorum, VolumeLayout } from '../volume/layout.ts';
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

/** The quorum rule the verdict applies, and whether it was read or assumed. */
export interface QuorumRule {
  type: ClientQuorum['type'];
  count: number;
  /** 'default': GlusterFS's default for the replica count, assumed because nothing said otherwise. */
  origin: ClientQuorum['origin'] | 'default';
}

/** The volume's quorum as given, else GlusterFS's default: `auto` for replica counts above 2, `none` for replica 2. */
export function quorumRule(layout: VolumeLayout): QuorumRule {
  if (layout.quorum) return { ...layout.quorum };
  return { type: layout.setSize > 2 ? 'auto' : 'none', count: 0, origin: 'default' };
}

/** How many accusers make a brick unfit as a source in the fallback (0: no fallback). */
function quorumCount(rule: Pick<QuorumRule, 'type' | 'count'>, n: number): number {
  if (rule.type === 'auto') return Math.floor(n / 2) + 1;
  return rule.type === 'fixed' ? rule.count : 0;
}

export interface AfrDirection {
  sources: number[];
  sinks: number[];
  splitBrain: boolean;
  /** The sources exist only through the quorum fallback (§2.3 step 6). */
  byQuorum: boolean;
  /** The matrix column as rows: `[0 2 0] [1 0 0] …`. */
  describe: string;
  /** Under an assumed quorum: what the other reading would decide, when it decides differently. */
  otherReading: { type: QuorumRule['type']; sources: number[]; splitBrain: boolean } | null;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function direction(m: PendingMatrix, column: AfrColumn, quorum: number): Omit<AfrDirection, 'describe' | 'otherReading'> {
  const col = AFR_COLUMNS.indexOf(column);
  const n = m.pending.length;
  const at = (i: number, j: number) => m.pending[i]![j]![col]!;
  const selfAccused = range(n).map((i) => at(i, i) !== 0);
  const accusers = (j: number) => range(n).filter((i) => !selfAccused[i] && at(i, j) !== 0);
  let sources = range(n).filter((j) => accusers(j).length === 0);
  let byQuorum = false;
  if (sources.length === 0 && column !== 'entry' && quorum > 0) {
    sources = range(n).filter((j) => accusers(j).length < quorum);
    byQuorum = sources.length > 0;
  }
  const sinks = range(n).filter((j) => sources.length > 0 && accusers(j).some((i) => sources.includes(i)));
  return { sources, sinks, splitBrain: sources.length === 0, byQuorum };
}

export function afrSources(m: PendingMatrix, column: AfrColumn, rule: QuorumRule): AfrDirection {
  const n = m.pending.length;
  const col = AFR_COLUMNS.indexOf(column);
  const chosen = direction(m, column, quorumCount(rule, n));
  let otherReading: AfrDirection['otherReading'] = null;
  if (rule.origin === 'default' && column !== 'entry') {
    const type = rule.type === 'none' ? 'auto' : 'none';
    const other = direction(m, column, quorumCount({ type, count: 0 }, n));
    if (other.splitBrain !== chosen.splitBrain || other.sources.join() !== chosen.sources.join()) otherReading = { type, sources: other.sources, splitBrain: other.splitBrain };
  }
  const describe = range(n).map((i) => `[${range(n).map((j) => m.pending[i]![j]![col]!).join(' ')}]`).join(' ');
  return { ...chosen, describe, otherReading };
}

/** The entry direction: entry heal has no quorum fallback (§2.3 step 6). */
export const entryDirection = (m: PendingMatrix): AfrDirection => afrSources(m, 'entry', { type: 'none', count: 0, origin: 'option' });

/** Who accuses whom in one column, in words: `#0 accuses #1 of 2`; null when nobody accuses anybody. */
export function accusations(m: PendingMatrix, column: AfrColumn, label: (member: number) => string): string | null {
  const col = AFR_COLUMNS.indexOf(column);
  const n = m.pending.length;
  const words: string[] = [];
  for (const i of range(n)) {
    const accused = range(n).filter((j) => m.pending[i]![j]![col] !== 0).map((j) => `${label(j)} of ${m.pending[i]![j]![col]}`);
    if (accused.length > 0) words.push(`${label(i)} accuses ${accused.join(', ')}`);
  }
  return words.length > 0 ? words.join('; ') : null;
}

/** Heal's witness of a brick in one column (§2.3 step 5): its dirty count plus what it holds against itself. */
export function witness(m: PendingMatrix, column: AfrColumn, member: number): number {
  const col = AFR_COLUMNS.indexOf(column);
  return m.dirty[member]![col]! + m.pending[member]![member]![col]!;
}
