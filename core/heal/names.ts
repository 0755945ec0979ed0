/**
 * What entry heal would do with one name in one set, from the copies of the name on the
 * set's bricks (heal-sources.md §1.6, §2.6):
 *   disperse   group the copies by (gfid, type); a group on fewer than K bricks whose name
 *              is missing or means another inode on more than R of the participating bricks
 *              is stale: heal removes it (a name deleted or renamed while those bricks were
 *              down). One group left: the name is created on the bricks that lack it. More
 *              than one left: GlusterFS cannot heal the name.
 *   replicate  the groups held by an entry source of the parent directory survive; with no
 *              clear source (split-brain, or the parent still dirty) every group survives, as
 *              AFR's conservative merge keeps everything. More than one left: gfid split-brain,
 *              which only the admin's policy settles.
 *   distribute the one brick's name.
 */
import type { EntryType } from '../brick/entry.ts';
import { gfidOf, brickLabel, xattr, type BrickCopy } from '../volume/copies.ts';
import { entryDirection, type PendingMatrix } from './afr.ts';
import { describePolicy, pickGroupByPolicy, type Policy } from './policy.ts';

/** The copies of one inode under the name, by the members that hold it. */
export interface NameGroup {
  gfid: string | null;
  type: EntryType;
  copies: BrickCopy[];
}

export type NameVerdict =
  /**
   * One inode under the name. `missing`: members without the name, where heal creates it;
   * `stale`: copies of other inodes under the name on a minority, which heal replaces.
   */
  | { kind: 'present'; group: NameGroup; missing: number[]; stale: NameGroup[]; evidence: string[] }
  /** Every copy is stale: heal removes the name from the bricks that hold it. */
  | { kind: 'stale'; stale: NameGroup[]; evidence: string[] }
  /** Several inodes survive under the name: nothing says which one is right. */
  | { kind: 'conflict'; what: 'gfid' | 'type'; groups: NameGroup[]; evidence: string[] };

export type SetKind =
  | { kind: 'disperse'; k: number; r: number }
  | { kind: 'replicate'; parentMatrix: PendingMatrix | null; parentDirty: boolean; policy: Policy | null; setSize: number }
  | { kind: 'distribute' };

export function groupsOf(copies: BrickCopy[]): NameGroup[] {
  const groups = new Map<string, NameGroup>();
  for (const c of [...copies].sort((a, b) => a.member - b.member)) {
    const gfid = gfidOf(c);
    const key = `${gfid ?? 'none'} ${c.type}`;
    const g = groups.get(key) ?? { gfid, type: c.type, copies: [] };
    g.copies.push(c);
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => b.copies.length - a.copies.length);
}

export const where = (g: NameGroup): string => g.copies.map((c) => brickLabel(c.brick)).join(',');
const members = (g: NameGroup): number[] => g.copies.map((c) => c.member);

/**
 * `participants`: the members of the set whose bricks were given (those that could hold
 * the name). `copies`: the name's copies on them.
 */
export function judgeName(copies: BrickCopy[], participants: number[], set: SetKind): NameVerdict {
  const groups = groupsOf(copies);
  const evidence: string[] = [];
  let survivors = groups;
  let stale: NameGroup[] = [];
  if (set.kind === 'disperse') {
    const isStale = (g: NameGroup) => g.copies.length < set.k && participants.length - g.copies.length > set.r;
    stale = groups.filter(isStale);
    survivors = groups.filter((g) => !isStale(g));
    for (const g of stale) {
      evidence.push(`only on ${where(g)}: fewer than K=${set.k} bricks, and ${participants.length - g.copies.length} bricks lack it or hold another inode (more than R=${set.r})`);
    }
  } else if (set.kind === 'replicate' && set.parentMatrix && !set.parentDirty) {
    const direction = entryDirection(set.parentMatrix);
    if (!direction.splitBrain) {
      const held = (g: NameGroup) => g.copies.some((c) => direction.sources.includes(c.member));
      stale = groups.filter((g) => !held(g));
      survivors = groups.filter(held);
      for (const g of stale) evidence.push(`only on ${where(g)}, which the parent directory's entry changelog marks as behind`);
    }
  }
  // Several inodes and none on K bricks: GlusterFS's rule would remove them all; that is a conflict, not a deleted name.
  if (survivors.length === 0 && groups.length > 1) {
    survivors = groups;
    evidence.length = 0;
  }
  if (survivors.length === 0) return { kind: 'stale', stale, evidence };
  if (survivors.length > 1 && set.kind === 'replicate' && set.policy) {
    const { group, why } = pickGroupByPolicy(set.policy, survivors, set.setSize);
    if (group) {
      const losers = survivors.filter((g) => g !== group);
      for (const g of losers) evidence.push(`gfid split-brain settled by --policy ${describePolicy(set.policy)}: ${why}; the copy on ${where(g)} is replaced`);
      stale = [...stale, ...losers];
      survivors = [group];
    } else {
      evidence.push(`--policy ${describePolicy(set.policy)} does not settle it: ${why}`);
    }
  }
  if (survivors.length > 1) {
    const what = new Set(survivors.map((g) => g.gfid)).size === 1 ? 'type' : 'gfid';
    const describe = survivors.map((g) => `${where(g)}: ${g.type} ${g.gfid ?? 'without gfid'}`).join('; ');
    return { kind: 'conflict', what, groups: survivors, evidence: [...evidence, `the bricks hold different inodes under this name (${describe}) and nothing says which is right`] };
  }
  const group = survivors[0]!;
  const holders = new Set(groups.flatMap(members));
  return { kind: 'present', group, missing: participants.filter((m) => !holders.has(m)), stale, evidence };
}

/** True when AFR's dirty counter of the directory says an entry transaction never closed. */
export function entryDirty(dirCopies: BrickCopy[]): boolean {
  return dirCopies.some((c) => {
    const d = xattr(c, 'trusted.afr.dirty');
    return d?.kind === 'afr-dirty' && d.counters.entry !== 0;
  });
}
