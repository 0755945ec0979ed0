/**
 * Which names the volume holds: per subvolume, the heal verdict on the name
 * (core/heal/names.ts: what entry heal keeps, removes or cannot decide), then united
 * across subvolumes (DHT). DHT linkto files are pointers, never names of their own.
 */
import type { EntryType } from '../brick/entry.ts';
import { judgeSetName } from '../heal/verdict.ts';
import { where } from '../heal/names.ts';
import type { Policy } from '../heal/policy.ts';
import { gfidOf, isLinktoCopy, setOf, type BrickCopy, type VolumeShape } from '../volume/copies.ts';

export type NameDecision =
  | {
      kind: 'accept';
      gfid: string | null;
      type: EntryType;
      copies: BrickCopy[];
      notes: string[];
      /** Set when other bricks hold another inode under this name and nothing says which is right. */
      conflict?: string;
      /** Replica files in gfid split-brain: one copy of each inode, to recover side by side. */
      sides?: BrickCopy[];
    }
  | { kind: 'skip'; gfid: string | null; type: EntryType; reason: string }
  | { kind: 'fail'; gfid: string | null; type: EntryType; reason: string };

interface Candidate {
  gfid: string | null;
  type: EntryType;
  copies: BrickCopy[];
  conflict?: string;
  sides?: BrickCopy[];
}

/**
 * Decides one name from its copies on all bricks. `parentCopies` are the copies of the
 * directory holding it (needed for replica sets; null for the volume root); `policy`
 * settles a replica gfid split-brain as heal would.
 */
export function decideName(copies: BrickCopy[], parentCopies: BrickCopy[] | null, shape: VolumeShape, policy: Policy | null): NameDecision {
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
    const chosen = chooseInSet(inSet, parentCopies?.filter((c) => c.set === set.index) ?? null, shape, policy);
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
  return { kind: 'accept', gfid: best.gfid, type: best.type, copies: best.copies, notes, ...(best.conflict ? { conflict: best.conflict } : {}), ...(best.sides ? { sides: best.sides } : {}) };
}

const setCount = (c: Candidate): number => new Set(c.copies.map((x) => x.set)).size;

/** The inode a set holds under this name (the heal verdict's), or why the set's copies do not count. */
function chooseInSet(copies: BrickCopy[], parentCopies: BrickCopy[] | null, shape: VolumeShape, policy: Policy | null): Candidate | string {
  const set = shape.sets[copies[0]!.set]!;
  const view = { layout: shape.layout, set, participants: set.bricks.map((b) => setOf(shape, b).member), policy };
  const name = judgeSetName(view, copies, parentCopies);
  if (name.kind === 'stale') return `stale name on subvolume ${set.index}: ${name.evidence.join('; ')} (an entry heal would remove it)`;
  if (name.kind === 'conflict') {
    const [first] = name.groups;
    const what = `${name.what === 'gfid' ? 'gfid split-brain' : 'type conflict'}: ${name.evidence.join('; ')}`;
    // Replica files: every inode is a whole copy, so each is recovered and the admin picks.
    if (shape.layout.kind === 'replicate' && name.groups.every((g) => g.type === 'file')) {
      return { ...first!, conflict: what, sides: name.groups.map((g) => [...g.copies].sort((a, b) => a.member - b.member)[0]!) };
    }
    return { ...first!, conflict: `${what}; took ${where(first!)}'s` };
  }
  return name.group;
}
