/**
 * Which fragments of one EC file rebuild --out decodes, and how many bytes: the data
 * choice of the heal verdict (core/heal/ec-data.ts) — heal's sources; for the unhealable
 * crash the bytes ec.size vouches for (or, with trustFragments, all the fragments hold);
 * as a last resort a possibly stale salvage, flagged as such. With more than K sources the
 * decoder verifies them against each other (bitrot).
 */
import { CHUNK_SIZE } from '../ec/layout.ts';
import { chooseEcData, judgeEcData, whyNotUsed, type Exclusion } from '../heal/ec-data.ts';
import { requiredCopies, type BrickCopy, type VolumeShape } from '../volume/copies.ts';

export type { Exclusion };

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

export function chooseFragments(copies: BrickCopy[], shape: VolumeShape, trustFragments: boolean): EcChoice {
  const k = requiredCopies(shape);
  const verdict = judgeEcData(copies, shape.layout, k);
  const choice = chooseEcData(verdict, trustFragments);
  const excluded = [...verdict.excluded];
  const quorum = verdict.groups.find((g) => g.members.length >= k);
  const reference = quorum ? verdict.states.find((s) => s.copy.member === quorum.members[0]) ?? null : null;
  const used = new Set(choice?.sources.map((c) => c.brick) ?? []);
  for (const s of verdict.states) if (!used.has(s.copy.brick)) excluded.push({ brick: s.copy.brick, reason: whyNotUsed(verdict, s, reference) });
  if (!choice) return { ok: false, reason: `fewer than K=${k} usable fragments (${copies.length} found)`, excluded };
  return {
    ok: true,
    plan: {
      sources: choice.sources, size: choice.size, stripes: choice.fragmentBytes / CHUNK_SIZE,
      stale: choice.way === 'salvage', excluded, notes: choice.notes,
    },
  };
}
