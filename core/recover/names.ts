/**
 * Which names the volume holds, decided per subvolume the way heal would settle them
 * (heal-sources.md §1.6, §2.6), then united across subvolumes (DHT):
 *   disperse   a gfid under a name counts when at least K bricks of the set hold it; a copy
 *              on fewer bricks is what an entry heal would delete (a name removed or
 *              renamed while those bricks were down);
 *   replicate  the names on the parent directory's entry sources; with no clear source
 *              (split-brain, or the parent still dirty) every brick's names, as AFR's
 *              conservative merge does;
 *   distribute the one brick's name.
 * DHT linkto files are pointers, never names of their own.
 */
import type { EntryType } from '../brick/entry.ts';
import { afrSources, pendingMatrix } from '../heal/afr.ts';
import { brickLabel, gfidOf, isLinktoCopy, requiredCopies, xattr, xattrJson, type BrickCopy, type VolumeShape } from './model.ts';

export type NameDecision =
  | {
      kind: 'accept';
      gfid: string | null;
      type: EntryType;
      copies: BrickCopy[];
      notes: string[];
      /** Set when other bricks hold another inode under this name and nothing says which is right. */
      conflict?: string;
    }
  | { kind: 'skip'; gfid: string | null; type: EntryType; reason: string }
  | { kind: 'fail'; gfid: string | null; type: EntryType; reason: string };

interface Candidate {
  gfid: string | null;
  type: EntryType;
  copies: BrickCopy[];
  conflict?: string;
}

const candidateKey = (c: BrickCopy): string => `${gfidOf(c) ?? 'none'} ${c.type}`;

/**
 * Decides one name from its copies on all bricks. `parentCopies` are the copies of the
 * directory holding it (needed for replica sets; null for the volume root).
 */
export function decideName(copies: BrickCopy[], parentCopies: BrickCopy[] | null, shape: VolumeShape): NameDecision {
  const first = copies[0]!;
  const data = copies.filter((c) => !isLinktoCopy(c));
  if (data.length === 0) {
    return { kind: 'skip', gfid: gfidOf(first), type: first.type, reason: 'only a DHT linkto pointer is left: no subvolume holds the data' };
  }
  const perSet: Candidate[] = [];
  const staleReasons: string[] = [];
  for (const set of shape.sets) {
    const inSet = data.filter((c) => c.set === set.index);
    if (inSet.length === 0) continue;
    const chosen = chooseInSet(inSet, parentCopies?.filter((c) => c.set === set.index) ?? null, shape);
    if (typeof chosen === 'string') staleReasons.push(chosen);
    else perSet.push(chosen);
  }
  if (perSet.length === 0) {
    return { kind: 'skip', gfid: gfidOf(data[0]!), type: data[0]!.type, reason: staleReasons.join('; ') };
  }
  const byKey = new Map<string, Candidate>();
  for (const c of perSet) {
    const key = `${c.gfid ?? 'none'} ${c.type}`;
    const known = byKey.get(key);
    if (known) known.copies.push(...c.copies);
    else byKey.set(key, { ...c, copies: [...c.copies] });
  }
  const ranked = [...byKey.values()].sort((a, b) => setCount(b) - setCount(a));
  const best = ranked[0]!;
  const notes = staleReasons.map((r) => `ignored: ${r}`);
  if (ranked.length > 1) {
    const describe = ranked.map((c) => `${c.type} ${c.gfid ?? 'without gfid'} on subvolume(s) ${[...new Set(c.copies.map((x) => x.set))].join(',')}`).join(' vs ');
    if (setCount(ranked[1]!) === setCount(best)) return { kind: 'fail', gfid: best.gfid, type: best.type, reason: `the name means different inodes on different subvolumes: ${describe}` };
    notes.push(`the name means different inodes on different subvolumes (${describe}); took the one on most subvolumes`);
  }
  return { kind: 'accept', gfid: best.gfid, type: best.type, copies: best.copies, notes, ...(best.conflict ? { conflict: best.conflict } : {}) };
}

const setCount = (c: Candidate): number => new Set(c.copies.map((x) => x.set)).size;

/** The inode a set holds under this name, or why the set's copies do not count. */
function chooseInSet(copies: BrickCopy[], parentCopies: BrickCopy[] | null, shape: VolumeShape): Candidate | string {
  const groups = new Map<string, Candidate>();
  for (const c of copies) {
    const key = candidateKey(c);
    const group = groups.get(key) ?? { gfid: gfidOf(c), type: c.type, copies: [] };
    group.copies.push(c);
    groups.set(key, group);
  }
  const ordered = [...groups.values()].sort((a, b) => b.copies.length - a.copies.length);
  const where = (c: Candidate) => c.copies.map((x) => brickLabel(x.brick)).join(',');
  if (shape.layout.kind === 'disperse') {
    const k = requiredCopies(shape);
    const held = ordered.filter((g) => g.copies.length >= k);
    if (held.length === 0) {
      return `stale name: only on ${ordered.map(where).join(' / ')}, fewer than K=${k} bricks of subvolume ${copies[0]!.set} (an entry heal would remove it)`;
    }
    return held[0]!;
  }
  let kept = ordered;
  if (shape.layout.kind === 'replicate' && parentCopies && parentCopies.length > 0) {
    const sources = entrySources(parentCopies, shape);
    if (sources !== null) {
      kept = ordered.filter((g) => g.copies.some((c) => sources.has(c.member)));
      if (kept.length === 0) {
        return `stale name: only on ${ordered.map(where).join(' / ')}, which the parent directory's entry changelog marks as behind`;
      }
    }
  }
  if (kept.length > 1) {
    const describe = kept.map((g) => `${where(g)}: ${g.type} ${g.gfid ?? 'without gfid'}`).join('; ');
    return { ...kept[0]!, conflict: `gfid split-brain: the bricks hold different inodes under this name (${describe}) and nothing says which is right; took ${where(kept[0]!)}'s` };
  }
  return kept[0]!;
}

/** Members whose directory entries are authoritative, or null for AFR's conservative merge (no deletions). */
function entrySources(parentCopies: BrickCopy[], shape: VolumeShape): Set<number> | null {
  const set = shape.sets[parentCopies[0]!.set]!;
  const matrix = pendingMatrix(set, parentCopies.map((c) => ({ member: c.member, xattrs: xattrJson(c) })));
  const direction = afrSources(matrix, 'entry');
  const parentDirty = parentCopies.some((c) => {
    const d = xattr(c, 'trusted.afr.dirty');
    return d?.kind === 'afr-dirty' && d.counters.entry !== 0;
  });
  if (direction.splitBrain || parentDirty) return null;
  return new Set(direction.sources);
}
