/**
 * Data direction of one EC file in one set (heal-sources.md §1.4, §1.8, §4):
 *   1. copies whose trusted.ec.config/size/version are missing, malformed or not this
 *      volume's are left out (sinks: heal rewrites them);
 *   2. the bricks are grouped by the exact (data version, ec.size) pair, heal bit included
 *      (a brick being rebuilt never groups with others); the largest group wins (the first
 *      to reach the top count in member order on a tie), and needs K members;
 *   3. members whose fragment length does not match ec.size leave the group; fewer than K
 *      left and GlusterFS cannot heal the data.
 * When step 3 fails only because the group's fragments run past ec.size (a client died
 * before recording the new size), the file is repairable two ways: keep what ec.size vouches
 * for, or trust the longer fragments. When no K bricks agree at all, `salvage` names K
 * self-consistent copies that rebuild --out can still read, with a warning.
 */
import { CHUNK_SIZE, fragmentLength, stripeSize } from '../ec/layout.ts';
import { EC_HEAL_BIT } from '../xattr/decode.ts';
import { brickLabel, xattr, type BrickCopy } from '../volume/copies.ts';
import type { VolumeLayout } from '../volume/layout.ts';

export interface Exclusion {
  brick: number;
  reason: string;
}

/** A copy whose EC xattrs could be read. */
export interface EcCopyState {
  copy: BrickCopy;
  /** Data version as stored (heal bit included). */
  version: bigint;
  metaVersion: bigint;
  size: number;
  dirty: [bigint, bigint];
  healing: boolean;
}

export interface EcGroup {
  version: bigint;
  size: number;
  members: number[];
}

/** The fragments of the largest group run past what its ec.size implies. */
export interface EcCrash {
  /** The group's members, fragment length included. */
  members: EcCopyState[];
  /** trusted.ec.size the group records, and the fragment length it implies. */
  recorded: number;
  expected: number;
  /** The longest fragment length at least K members reach, and the bytes that decodes to. */
  reach: number;
  held: number;
}

export interface EcDataVerdict {
  k: number;
  /** Members holding a copy, valid or not. */
  members: number[];
  /** Copies with readable EC xattrs, by member. */
  states: EcCopyState[];
  excluded: Exclusion[];
  groups: EcGroup[];
  /** Heal's sources (empty unless reason is 'ok'). */
  sources: EcCopyState[];
  /** Members heal rewrites: every copy that is not a source (when there are sources). */
  sinks: number[];
  reason: 'ok' | 'no-quorum' | 'fragment-length';
  crash: EcCrash | null;
  /** No K bricks agree: K self-consistent copies of one size, newest first, which may be stale. */
  salvage: EcCopyState[] | null;
  /** Copies with a higher data version than the sources but outnumbered: heal overwrites them. */
  outnumbered: EcCopyState[];
}

/** How the data of a file is to be read (and, by heal, written back). */
export interface EcDataChoice {
  sources: BrickCopy[];
  /** Bytes of the file, and the fragment length every copy ends with. */
  size: number;
  fragmentBytes: number;
  /** 'heal': GlusterFS's own choice; 'ec-size'/'trust-fragments': the crash repairs; 'salvage': possibly stale. */
  way: 'heal' | 'ec-size' | 'trust-fragments' | 'salvage';
  /** Members to rewrite. */
  sinks: number[];
  notes: string[];
}

const list = (states: EcCopyState[]): string => states.map((s) => brickLabel(s.copy.brick)).join(',');

export function judgeEcData(copies: BrickCopy[], layout: VolumeLayout, k: number): EcDataVerdict {
  const excluded: Exclusion[] = [];
  const states: EcCopyState[] = [];
  for (const copy of [...copies].sort((a, b) => a.member - b.member)) {
    const state = readState(copy, layout);
    if (typeof state === 'string') excluded.push({ brick: copy.brick, reason: state });
    else states.push(state);
  }
  const groups = new Map<string, EcGroup>();
  let best: EcGroup | null = null;
  for (const s of states) {
    const key = `${s.version}/${s.size}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { version: s.version, size: s.size, members: [] }));
    g.members.push(s.copy.member);
    if (!best || g.members.length > best.members.length) best = g;
  }
  const byMember = new Map(states.map((s) => [s.copy.member, s]));
  const all = copies.map((c) => c.member).sort((a, b) => a - b);
  const base = { k, members: all, states, excluded, groups: [...groups.values()], outnumbered: [] as EcCopyState[] };
  if (!best || best.members.length < k) {
    return { ...base, sources: [], sinks: all, reason: 'no-quorum', crash: null, salvage: salvage(states, k) };
  }
  const members = best.members.map((m) => byMember.get(m)!);
  const expected = fragmentLength(best.size, k);
  const sources = members.filter((s) => s.copy.size === expected);
  if (sources.length >= k) {
    const used = new Set(sources.map((s) => s.copy.member));
    const outnumbered = states.filter((s) => !s.healing && s.version > best!.version);
    return { ...base, sources, sinks: all.filter((m) => !used.has(m)), reason: 'ok', crash: null, salvage: null, outnumbered };
  }
  // The longest fragment length at least K members reach: what they can decode together.
  const reach = members.map((m) => m.copy.size - (m.copy.size % CHUNK_SIZE)).sort((a, b) => b - a)[k - 1] ?? 0;
  const crash = reach > expected ? { members, recorded: best.size, expected, reach, held: reach * k } : null;
  return { ...base, sources: [], sinks: all, reason: 'fragment-length', crash, salvage: crash ? null : salvage(states, k) };
}

/**
 * The data to read from a verdict: heal's sources; for the crash, the ec.size way (or, with
 * trustFragments, everything the fragments hold); else the salvage. Null: nothing readable.
 */
export function chooseEcData(v: EcDataVerdict, trustFragments: boolean): EcDataChoice | null {
  const sinksBut = (used: EcCopyState[]) => {
    const keep = new Set(used.map((s) => s.copy.member));
    return v.members.filter((m) => !keep.has(m));
  };
  if (v.reason === 'ok') {
    const size = v.sources[0]!.size;
    const notes = v.outnumbered.length > 0
      ? [`${list(v.outnumbered)} carry a higher data version but are outnumbered; heal overwrites them, so their fragments are not used`]
      : [];
    return { sources: v.sources.map((s) => s.copy), size, fragmentBytes: fragmentLength(size, v.k), way: 'heal', sinks: v.sinks, notes };
  }
  if (v.crash) {
    const c = v.crash;
    const longer = c.members.filter((m) => m.copy.size > c.expected);
    const why = `fragments on ${list(longer)} run past what trusted.ec.size ${c.recorded} implies (${c.expected} bytes each): ` +
      'a client died before recording the new size, so GlusterFS cannot heal this file';
    if (trustFragments) {
      const used = c.members.filter((m) => m.copy.size >= c.reach);
      return {
        sources: used.map((s) => s.copy), size: c.held, fragmentBytes: c.reach, way: 'trust-fragments', sinks: sinksBut(used),
        notes: [`${why}; --trust-fragments: all ${c.held} decoded bytes (K × ${c.reach}). The true end of the data is not recorded anywhere: ` +
          `the file may end with up to ${stripeSize(v.k) - 1} bytes of zero padding or a partly applied last write`],
      };
    }
    const used = c.members.filter((m) => m.copy.size >= c.expected);
    return {
      sources: used.map((s) => s.copy), size: c.recorded, fragmentBytes: c.expected, way: 'ec-size', sinks: sinksBut(used),
      notes: [`${why}; took the ${c.recorded} bytes trusted.ec.size records, as the mount shows them; ` +
        `the fragments hold up to ${c.held - c.recorded} bytes more: --trust-fragments recovers ${c.held}`],
    };
  }
  if (v.salvage) {
    const versions = v.salvage.map((s) => `${brickLabel(s.copy.brick)}=${s.version & ~EC_HEAL_BIT}`).join(', ');
    const size = v.salvage[0]!.size;
    return {
      sources: v.salvage.map((s) => s.copy), size, fragmentBytes: fragmentLength(size, v.k), way: 'salvage', sinks: sinksBut(v.salvage),
      notes: [`no ${v.k} bricks agree on data version and size, so heal cannot pick sources; ${list(v.salvage)} are ` +
        `self-consistent copies of one size whose data versions differ (${versions}): stale data is possible`],
    };
  }
  return null;
}

/** Why a copy is not read, for the report of an entry. */
export function whyNotUsed(v: EcDataVerdict, s: EcCopyState, reference: EcCopyState | null): string {
  const expected = fragmentLength(s.size, v.k);
  if (s.healing) return 'being rebuilt by self-heal (heal bit set in trusted.ec.version)';
  if (s.copy.size < expected) return `truncated fragment: ${s.copy.size} bytes, trusted.ec.size ${s.size} needs ${expected}`;
  if (reference && (s.version !== reference.version || s.size !== reference.size)) {
    return `stale: data version ${s.version}, ec.size ${s.size} (the sources have ${reference.version}, ${reference.size})`;
  }
  if (s.copy.size !== expected) return `fragment is ${s.copy.size} bytes, trusted.ec.size ${s.size} needs ${expected}`;
  return 'not needed: enough other fragments agree';
}

/**
 * Last resort: copies whose fragment length matches their own ec.size, grouped by size; the
 * group of at least K whose newest member is newest wins. Copies being healed stay out.
 */
function salvage(states: EcCopyState[], k: number): EcCopyState[] | null {
  const bySize = new Map<number, EcCopyState[]>();
  for (const s of states) {
    if (s.healing || s.copy.size !== fragmentLength(s.size, k)) continue;
    bySize.set(s.size, [...(bySize.get(s.size) ?? []), s]);
  }
  const newest = (g: EcCopyState[]) => g.reduce((max, s) => (s.version > max ? s.version : max), -1n);
  const candidates = [...bySize.values()].filter((g) => g.length >= k);
  candidates.sort((a, b) => (newest(b) > newest(a) ? 1 : newest(b) < newest(a) ? -1 : b.length - a.length));
  return candidates[0] ?? null;
}

/** A copy's EC xattrs, or why the copy cannot take part. */
function readState(copy: BrickCopy, layout: VolumeLayout): EcCopyState | string {
  if (copy.type !== 'file') return `not a regular file on this brick (${copy.type})`;
  const config = xattr(copy, 'trusted.ec.config');
  if (config === null) return 'no trusted.ec.config';
  if (config.kind !== 'ec-config') return `trusted.ec.config is malformed: ${config.kind === 'malformed' ? config.reason : config.kind}`;
  const c = config.config;
  // The decoder has checked the fixed fields (version, algorithm, word and chunk size).
  if (c.bricks !== layout.setSize || c.redundancy !== layout.redundancy) {
    return `trusted.ec.config does not match the volume (${c.bricks - c.redundancy}+${c.redundancy})`;
  }
  const sizeX = xattr(copy, 'trusted.ec.size');
  if (sizeX !== null && sizeX.kind !== 'ec-size') return `trusted.ec.size is malformed: ${sizeX.kind === 'malformed' ? sizeX.reason : sizeX.kind}`;
  const versionX = xattr(copy, 'trusted.ec.version');
  if (versionX !== null && versionX.kind !== 'ec-version') {
    return `trusted.ec.version is malformed: ${versionX.kind === 'malformed' ? versionX.reason : versionX.kind}`;
  }
  // An absent counter is zero: GlusterFS never creates a key for a zero delta.
  const size = sizeX?.kind === 'ec-size' ? sizeX.size : 0n;
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) return `trusted.ec.size ${size} is beyond any real file`;
  const version = versionX?.kind === 'ec-version' ? versionX.data : 0n;
  const dirtyX = xattr(copy, 'trusted.ec.dirty');
  const dirty: [bigint, bigint] = dirtyX?.kind === 'ec-dirty' ? [dirtyX.data, dirtyX.metadata] : [0n, 0n];
  return {
    copy, version, size: Number(size), dirty, healing: (version & EC_HEAL_BIT) !== 0n,
    metaVersion: versionX?.kind === 'ec-version' ? versionX.metadata : 0n,
  };
}
