/**
 * The policies an admin may pick to settle a replica split-brain (heal-sources.md §2.7, as
 * GlusterFS's favorite-child policies and its CLI's source-brick): each picks one copy, or
 * none with the reason, from the copies alone. gfsck never guesses: without a policy a
 * split-brain is reported with what each policy would keep.
 */
import { GfsckError } from '../errors.ts';
import { brickLabel, type BrickCopy } from '../volume/copies.ts';
import { changeTime, modifyTime } from './times.ts';

export type Policy = { kind: 'size' | 'mtime' | 'ctime' | 'majority' } | { kind: 'brick'; brick: number };

export const POLICY_KINDS = ['size', 'mtime', 'ctime', 'majority'] as const;

/** `--policy size|mtime|ctime|majority|brick=N` (N: the brick's position, as in `#N`). */
export function parsePolicy(text: string): Policy {
  if ((POLICY_KINDS as readonly string[]).includes(text)) return { kind: text as (typeof POLICY_KINDS)[number] };
  const brick = /^brick=#?(\d{1,4})$/.exec(text);
  if (brick) return { kind: 'brick', brick: Number(brick[1]) };
  throw new GfsckError('usage', `--policy ${text}: expected size, mtime, ctime, majority or brick=N`);
}

export const describePolicy = (p: Policy): string => (p.kind === 'brick' ? `brick=${p.brick}` : p.kind);

/** The copy a policy keeps, or why it keeps none. */
export type PolicyPick = { member: number; why: string } | { member: null; why: string };

const seconds = (ns: bigint): bigint => ns / 1_000_000_000n;

/**
 * `candidates`: the copies the policy may choose from (the arbiter's left out for data);
 * `setSize`: the bricks of the set, which a majority is counted against.
 */
export function pickByPolicy(policy: Policy, candidates: BrickCopy[], setSize: number): PolicyPick {
  const ordered = [...candidates].sort((a, b) => a.member - b.member);
  if (ordered.length === 0) return { member: null, why: 'no copy to choose from' };
  switch (policy.kind) {
    case 'brick': {
      const c = ordered.find((x) => x.brick === policy.brick);
      return c ? { member: c.member, why: `${brickLabel(c.brick)}, as --policy brick=${policy.brick} says` } : { member: null, why: `${brickLabel(policy.brick)} holds no copy to keep` };
    }
    case 'size': {
      if (ordered.some((c) => c.type === 'dir')) return { member: null, why: 'size does not decide for directories' };
      const top = ordered.reduce((a, b) => (b.size > a.size ? b : a));
      if (ordered.filter((c) => c.size === top.size).length > 1) return { member: null, why: `the biggest size, ${top.size} bytes, is on more than one brick` };
      return { member: top.member, why: `${brickLabel(top.brick)}, the biggest (${top.size} bytes)` };
    }
    case 'mtime':
    case 'ctime': {
      const time = policy.kind === 'mtime' ? modifyTime : changeTime;
      // An exact tie goes to the first of the tied bricks.
      const top = ordered.reduce((a, b) => (time(b) > time(a) ? b : a));
      return { member: top.member, why: `${brickLabel(top.brick)}, the latest ${policy.kind} (${formatNs(time(top))})` };
    }
    case 'majority': {
      const key = (c: BrickCopy) => `${seconds(modifyTime(c))} ${c.size}`;
      for (const c of ordered) {
        const alike = ordered.filter((x) => key(x) === key(c)).length;
        if (alike * 2 > setSize) return { member: c.member, why: `${brickLabel(c.brick)}: ${alike} of ${setSize} bricks agree on its size and mtime` };
      }
      return { member: null, why: `no more than half of the ${setSize} bricks agree on size and mtime` };
    }
  }
}

/**
 * The inode a policy keeps under a name held by several (a gfid or type split-brain, §2.6):
 * by the copy it picks, or for `majority` the inode on more than half the bricks (never on
 * replica 2). `groups`: the copies of each inode.
 */
export function pickGroupByPolicy<G extends { copies: BrickCopy[] }>(policy: Policy, groups: G[], setSize: number): { group: G | null; why: string } {
  if (policy.kind === 'majority') {
    if (setSize === 2) return { group: null, why: 'majority does not decide on replica 2' };
    const group = groups.find((g) => g.copies.length * 2 > setSize) ?? null;
    return { group, why: group ? `on ${group.copies.length} of ${setSize} bricks` : `no inode is on more than half of the ${setSize} bricks` };
  }
  const pick = pickByPolicy(policy, groups.flatMap((g) => g.copies), setSize);
  return { group: groups.find((g) => g.copies.some((c) => c.member === pick.member)) ?? null, why: pick.why };
}

/** What every policy would keep: the evidence an admin chooses from. */
export function policyOutcomes(candidates: BrickCopy[], setSize: number): Array<{ policy: string; pick: PolicyPick }> {
  return POLICY_KINDS.map((kind) => ({ policy: kind, pick: pickByPolicy({ kind }, candidates, setSize) }));
}

/** One copy as the policies see it, for the side-by-side evidence of a split-brain. */
export function describeCopy(c: BrickCopy): string {
  const what = c.type === 'file' ? `${c.size} bytes` : c.type;
  return `${brickLabel(c.brick)}: ${what}, mode ${(c.mode & 0o7777).toString(8).padStart(4, '0')}, owner ${c.uid}:${c.gid}, mtime ${formatNs(modifyTime(c))}, ctime ${formatNs(changeTime(c))}`;
}

function formatNs(ns: bigint): string {
  const s = seconds(ns);
  return `${new Date(Number(s) * 1000).toISOString().replace('.000Z', 'Z')} +${ns % 1_000_000_000n} ns`;
}
