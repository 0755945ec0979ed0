/**
 * Which fragments of one EC file to decode, and how many bytes (heal-sources.md §1.4, §1.8):
 *   1. copies with a missing or malformed trusted.ec.config/size/version are left out;
 *   2. heal's choice (core/heal/ec.ts): the largest (data version, ec.size) group, minus
 *      members whose fragment length does not match ec.size;
 *   3. if that group failed only the length check because its fragments run past ec.size
 *      (a client died before updating the size: "unhealable"), its fragments are used for
 *      the ec.size bytes, or with trustFragments for everything they hold;
 *   4. otherwise, as a last resort, any K self-consistent copies of one size, newest first,
 *      and the plan says the data may be stale.
 * With more than K sources the decoder verifies them against each other (bitrot).
 */
import { CHUNK_SIZE, fragmentLength, stripeSize } from '../ec/layout.ts';
import { ecDataGroups, type EcBrickState } from '../heal/ec.ts';
import { EC_HEAL_BIT } from '../xattr/decode.ts';
import { brickLabel, requiredCopies, xattr, type BrickCopy, type VolumeShape } from './model.ts';

export interface Exclusion {
  brick: number;
  reason: string;
}

export interface EcPlan {
  /** At least K copies, by fragment index. */
  sources: BrickCopy[];
  /** Bytes of the recovered file. */
  size: number;
  /** Stripes to read from each source (fragment bytes / 512). */
  stripes: number;
  /** True when the sources are not what heal would pick: their data may be old. */
  stale: boolean;
  excluded: Exclusion[];
  notes: string[];
}

export type EcChoice = { ok: true; plan: EcPlan } | { ok: false; reason: string; excluded: Exclusion[] };

interface ValidCopy {
  copy: BrickCopy;
  version: bigint;
  size: number;
  healing: boolean;
}

const list = (copies: Array<{ copy: BrickCopy }>): string => copies.map((c) => brickLabel(c.copy.brick)).join(',');

export function chooseFragments(copies: BrickCopy[], shape: VolumeShape, trustFragments: boolean): EcChoice {
  const k = requiredCopies(shape);
  const excluded: Exclusion[] = [];
  const valid: ValidCopy[] = [];
  for (const copy of [...copies].sort((a, b) => a.member - b.member)) {
    const problem = validate(copy, shape);
    if (typeof problem === 'string') excluded.push({ brick: copy.brick, reason: problem });
    else valid.push(problem);
  }
  const states: EcBrickState[] = valid.map((v) => ({
    member: v.copy.member,
    version: v.version.toString(),
    size: String(v.size),
    fragmentOk: v.copy.size === fragmentLength(v.size, k),
  }));
  const decision = ecDataGroups(states, k);
  const byMember = new Map(valid.map((v) => [v.copy.member, v]));
  // With N < 2K, at most one (version, size) group can reach K members.
  const quorum = decision.groups.find((g) => g.members.length >= k);
  const plan = (sources: ValidCopy[], size: number, stripes: number, stale: boolean, notes: string[]): EcChoice => {
    const used = new Set(sources.map((s) => s.copy.brick));
    for (const v of valid) if (!used.has(v.copy.brick)) excluded.push({ brick: v.copy.brick, reason: whyNotUsed(v, quorum ? byMember.get(quorum.members[0]!)! : null, k) });
    return { ok: true, plan: { sources: sources.map((s) => s.copy), size, stripes, stale, excluded, notes } };
  };

  if (decision.reason === 'ok') {
    const sources = decision.sources.map((m) => byMember.get(m)!);
    const size = sources[0]!.size;
    const newest = valid.filter((v) => !v.healing && v.version > sources[0]!.version);
    const notes = newest.length > 0
      ? [`${list(newest)} carry a higher data version but are outnumbered; heal would overwrite them, so their fragments are not used`]
      : [];
    return plan(sources, size, fragmentLength(size, k) / CHUNK_SIZE, false, notes);
  }

  if (quorum) {
    const members = quorum.members.map((m) => byMember.get(m)!);
    const recorded = members[0]!.size;
    const expected = fragmentLength(recorded, k);
    // The longest fragment length at least K members reach: what they can decode together.
    const reach = members.map((m) => m.copy.size - (m.copy.size % CHUNK_SIZE)).sort((a, b) => b - a)[k - 1]!;
    if (reach > expected) {
      const held = reach * k;
      const crash = `fragments on ${list(members.filter((m) => m.copy.size > expected))} run past what trusted.ec.size ${recorded} implies ` +
        `(${expected} bytes each): a client died before recording the new size, so GlusterFS cannot heal this file`;
      if (trustFragments) {
        return plan(members.filter((m) => m.copy.size >= reach), held, reach / CHUNK_SIZE, false, [
          `${crash}; --trust-fragments: recovered all ${held} decoded bytes (K × ${reach}). The true end of the data is not recorded anywhere: ` +
            `the file may end with up to ${stripeSize(k) - 1} bytes of zero padding or a partly applied last write`,
        ]);
      }
      return plan(members.filter((m) => m.copy.size >= expected), recorded, expected / CHUNK_SIZE, false, [
        `${crash}; recovered the ${recorded} bytes trusted.ec.size records, as the mount shows them; ` +
          `the fragments hold up to ${held - recorded} bytes more: --trust-fragments recovers ${held}`,
      ]);
    }
  }

  const fallback = staleFallback(valid, k);
  if (fallback) {
    const versions = fallback.map((v) => `${brickLabel(v.copy.brick)}=${v.version & ~EC_HEAL_BIT}`).join(', ');
    return plan(fallback, fallback[0]!.size, fragmentLength(fallback[0]!.size, k) / CHUNK_SIZE, true, [
      `no ${k} bricks agree on data version and size, so heal could not pick sources; used ${list(fallback)}, ` +
        `self-consistent copies of one size whose data versions differ (${versions}): stale data is possible`,
    ]);
  }
  for (const v of valid) excluded.push({ brick: v.copy.brick, reason: whyNotUsed(v, quorum ? byMember.get(quorum.members[0]!)! : null, k) });
  return { ok: false, reason: `fewer than K=${k} usable fragments (${copies.length} found)`, excluded };
}

/**
 * Last resort: copies whose fragment length matches their own ec.size, grouped by size; the
 * group of at least K whose newest member is newest wins. Copies being healed stay out.
 */
function staleFallback(valid: ValidCopy[], k: number): ValidCopy[] | null {
  const bySize = new Map<number, ValidCopy[]>();
  for (const v of valid) {
    if (v.healing || v.copy.size !== fragmentLength(v.size, k)) continue;
    bySize.set(v.size, [...(bySize.get(v.size) ?? []), v]);
  }
  const newest = (g: ValidCopy[]) => g.reduce((max, v) => (v.version > max ? v.version : max), -1n);
  const candidates = [...bySize.values()].filter((g) => g.length >= k);
  candidates.sort((a, b) => (newest(b) > newest(a) ? 1 : newest(b) < newest(a) ? -1 : b.length - a.length));
  return candidates[0] ?? null;
}

function whyNotUsed(v: ValidCopy, reference: ValidCopy | null, k: number): string {
  const expected = fragmentLength(v.size, k);
  if (v.healing) return 'being rebuilt by self-heal (heal bit set in trusted.ec.version)';
  if (v.copy.size < expected) return `truncated fragment: ${v.copy.size} bytes, trusted.ec.size ${v.size} needs ${expected}`;
  if (reference && (v.version !== reference.version || v.size !== reference.size)) {
    return `stale: data version ${v.version}, ec.size ${v.size} (the sources have ${reference.version}, ${reference.size})`;
  }
  if (v.copy.size !== expected) return `fragment is ${v.copy.size} bytes, trusted.ec.size ${v.size} needs ${expected}`;
  return 'not needed: enough other fragments agree';
}

/** A copy's EC xattrs, or why the copy cannot be used. */
function validate(copy: BrickCopy, shape: VolumeShape): ValidCopy | string {
  if (copy.type !== 'file') return `not a regular file on this brick (${copy.type})`;
  const config = xattr(copy, 'trusted.ec.config');
  if (config === null) return 'no trusted.ec.config';
  if (config.kind !== 'ec-config') return `trusted.ec.config is malformed: ${config.kind === 'malformed' ? config.reason : config.kind}`;
  const c = config.config;
  const n = shape.layout.setSize;
  // The decoder has checked the fixed fields (version, algorithm, word and chunk size).
  if (c.bricks !== n || c.redundancy !== shape.layout.redundancy) {
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
  return { copy, version, size: Number(size), healing: (version & EC_HEAL_BIT) !== 0n };
}
