/**
 * Settles the volume layout: --volinfo, else --layout, else inferred from what the bricks
 * hold (trusted.ec.config, AFR keys, DHT ranges). Whatever the source, it must agree with
 * the bricks: a disagreement is an error, never a guess. A few files whose trusted.ec.config
 * differs from the rest do not decide the layout: the majority does, and pass 2 reports
 * the odd ones (EC_CONFIG_MISMATCH).
 */
import type { Catalog } from '../index/catalog.ts';
import { GfsckError } from '../errors.ts';
import { parseXattrJson } from '../index/xattr-column.ts';
import { ecShape, type Decoded } from '../xattr/decode.ts';
import { brickSets, describeLayout, parseLayoutOption, parseQuorumOption, readVolinfo, type VolumeLayout } from './layout.ts';

export interface LayoutSource {
  volinfo?: string;
  layout?: string;
  /** `--quorum`: the client quorum of a replica volume, over what the volinfo says. */
  quorum?: string;
}

/** Where a settled layout came from, as a report's header says it. */
export function layoutOrigin(layout: VolumeLayout, given: LayoutSource): string {
  switch (layout.source) {
    case 'inferred': return 'layout inferred from the bricks';
    case 'option': return `layout from --layout ${given.layout}`;
    case 'volinfo': return `layout from volinfo ${given.volinfo}`;
  }
}

interface Observed {
  /** Distinct EC configs (k+r), the most frequent first. */
  ecConfigs: string[];
  /** The config more entries carry than any other, or null (none, or a tie). */
  ecMajority: string | null;
  afrVolumes: string[];
  linktoVolumes: string[];
  partialRootRange: boolean;
}

/** The EC configs seen, with how many entries carry each: the most frequent first, and the majority unless tied. */
function tallyEcConfigs(counts: Array<{ config: string; n: number }>): Pick<Observed, 'ecConfigs' | 'ecMajority'> {
  const sorted = [...counts].sort((a, b) => b.n - a.n);
  const tie = sorted.length > 1 && sorted[0]!.n === sorted[1]!.n;
  return { ecConfigs: sorted.map((c) => c.config), ecMajority: tie ? null : sorted[0]?.config ?? null };
}

const AFR_KEY = /^trusted\.afr\.(.+)-client-\d+$/;
/** The volume a DHT linkto value names (`VOL-disperse-0`), or undefined. */
const linktoVolume = (subvolume: string): string | undefined => /^(.+)-(?:client|disperse|replicate)-\d+$/.exec(subvolume)?.[1];
const isFullRange = (d: Record<string, unknown>) => d.start === 0 && d.stop === 0xffffffff;

function observe(catalog: Catalog): Observed {
  const db = catalog.db;
  // One pass over every entry for all three; the AFR key names only if some entry has one.
  const seen = db.prepare(`SELECT DISTINCT ec_config, linkto, xattrs LIKE '%"trusted.afr.%' AS afr FROM entries`)
    .all() as Array<{ ec_config: string | null; linkto: string | null; afr: number }>;
  const distinct = (values: Array<string | null>) => [...new Set(values.filter((v): v is string => v !== null))];
  const configs = distinct(seen.map((r) => r.ec_config));
  const configCounts = configs.length < 2 ? configs.map((config) => ({ config, n: 1 })) : db.prepare(`SELECT ec_config AS config, COUNT(*) AS n
    FROM entries WHERE ec_config IS NOT NULL GROUP BY ec_config ORDER BY n DESC`).all() as Array<{ config: string; n: number }>;
  const afrKeys = seen.some((r) => r.afr) ? db.prepare(`SELECT DISTINCT key FROM entries, json_each(entries.xattrs)
    WHERE entries.xattrs LIKE '%"trusted.afr.%' AND key LIKE 'trusted.afr.%'`).pluck().all() as string[] : [];
  const afrVolumes = [...new Set(afrKeys.map((k) => AFR_KEY.exec(k)?.[1]).filter((v): v is string => !!v))];
  const linktoVolumes = [...new Set(distinct(seen.map((r) => r.linkto)).map(linktoVolume).filter((v): v is string => !!v))];
  const roots = db.prepare(`SELECT xattrs FROM entries WHERE path = x'2f'`).pluck().all() as string[];
  const partialRootRange = roots.some((json) => {
    const d = parseXattrJson(json)['trusted.glusterfs.dht'];
    return d?.kind === 'dht-layout' && !isFullRange(d);
  });
  return { ...tallyEcConfigs(configCounts), afrVolumes, linktoVolumes, partialRootRange };
}

/** The same observations from a few entries read straight from the bricks, and the brick roots. */
function observeDecoded(entries: Decoded[][], roots: Decoded[][]): Observed {
  const configs = new Map<string, number>();
  const afrVolumes = new Set<string>();
  const linktoVolumes = new Set<string>();
  for (const d of [...entries, ...roots].flat()) {
    if (d.kind === 'ec-config') configs.set(ecShape(d.config), (configs.get(ecShape(d.config)) ?? 0) + 1);
    if (d.kind === 'afr-pending') afrVolumes.add(d.volume);
    const volume = d.kind === 'dht-linkto' ? linktoVolume(d.subvolume) : undefined;
    if (volume) linktoVolumes.add(volume);
  }
  return {
    ...tallyEcConfigs([...configs].map(([config, n]) => ({ config, n }))),
    afrVolumes: [...afrVolumes], linktoVolumes: [...linktoVolumes],
    partialRootRange: roots.flat().some((d) => d.kind === 'dht-layout' && !isFullRange(d)),
  };
}

/**
 * What can be checked before any scanning: a --layout or --volinfo that cannot describe the
 * given bricks fails at once, not after minutes of reading them.
 */
export function preflightLayout(source: LayoutSource, brickCount: number): void {
  const given = declaredLayout(source, brickCount);
  if (given) brickSets(given, brickCount);
}

function declaredLayout(source: LayoutSource, brickCount: number): VolumeLayout | null {
  const layout = volinfoOrOption(source, brickCount);
  return layout && withQuorum(layout, source);
}

function volinfoOrOption(source: LayoutSource, brickCount: number): VolumeLayout | null {
  if (source.volinfo) {
    const info = readVolinfo(source.volinfo);
    if (info.brickCount !== brickCount) {
      throw new GfsckError('usage', `--volinfo describes ${info.brickCount} bricks, ${brickCount} were given (give all bricks, in volume order)`);
    }
    if (source.layout) {
      const given = parseLayoutOption(source.layout);
      if (describeLayout(given) !== describeLayout(info.layout)) {
        throw new GfsckError('usage', `--layout ${source.layout} contradicts --volinfo (${describeLayout(info.layout)})`);
      }
    }
    return info.layout;
  }
  return source.layout ? parseLayoutOption(source.layout) : null;
}

export function resolveLayout(catalog: Catalog, source: LayoutSource, brickCount: number): VolumeLayout {
  const seen = observe(catalog);
  const layout = declaredLayout(source, brickCount) ?? withQuorum(inferred(infer(seen, brickCount)), source);
  checkAgainstBricks(layout, seen);
  return { ...layout, volumeName: layout.volumeName ?? seen.afrVolumes[0] ?? seen.linktoVolumes[0] ?? null };
}

/**
 * The layout for a few entries read without a scan (gfsck xattrs): --volinfo/--layout as
 * given, else inferred as above from those entries and the brick roots. A given layout is
 * not held against so few entries: their odd values are what the audit is there to show.
 */
export function layoutOfEntries(entries: Decoded[][], roots: Decoded[][], source: LayoutSource, brickCount: number): Inference {
  const given = declaredLayout(source, brickCount);
  return given ? { layout: given } : infer(observeDecoded(entries, roots), brickCount);
}

/** A layout, or why the bricks cannot tell one. */
export type Inference = { layout: VolumeLayout } | { why: string };

const withQuorum = (layout: VolumeLayout, source: LayoutSource): VolumeLayout =>
  source.quorum === undefined ? layout : { ...layout, quorum: parseQuorumOption(source.quorum) };

function inferred(inference: Inference): VolumeLayout {
  if ('why' in inference) throw new GfsckError('usage', inference.why);
  return inference.layout;
}

function infer(seen: Observed, brickCount: number): Inference {
  const base = { volumeName: null, shardBlockSize: null, source: 'inferred' as const, arbiter: false };
  if (seen.ecMajority) {
    const [k, r] = seen.ecMajority.split('+').map(Number) as [number, number];
    return { layout: { ...base, kind: 'disperse', setSize: k + r, redundancy: r } };
  }
  if (seen.ecConfigs.length > 1) {
    return { why: `as many files carry trusted.ec.config ${seen.ecConfigs[0]} as ${seen.ecConfigs[1]}: give --layout or --volinfo` };
  }
  if (seen.afrVolumes.length > 0) {
    // AFR keys do not tell how many sets there are: assume one replica set of all bricks.
    return { layout: { ...base, kind: 'replicate', setSize: brickCount, redundancy: 0 } };
  }
  if (seen.partialRootRange || brickCount === 1) return { layout: { ...base, kind: 'distribute', setSize: 1, redundancy: 0 } };
  return { why: 'cannot infer the volume layout from the bricks: give --layout or --volinfo' };
}

function checkAgainstBricks(layout: VolumeLayout, seen: Observed): void {
  const where = layout.source === 'volinfo' ? '--volinfo' : layout.source === 'option' ? '--layout' : 'the inferred layout';
  if (layout.kind === 'disperse') {
    const expected = `${layout.setSize - layout.redundancy}+${layout.redundancy}`;
    // Odd files are findings; a layout that most files contradict is the wrong layout.
    if ((seen.ecConfigs.length > 0 && !seen.ecConfigs.includes(expected)) || (seen.ecMajority !== null && seen.ecMajority !== expected)) {
      throw new GfsckError('usage', `${where} says disperse ${expected}, but most files carry trusted.ec.config ${seen.ecConfigs[0]}`);
    }
  } else if (seen.ecConfigs.length > 0) {
    throw new GfsckError('usage', `${where} says ${describeLayout(layout)}, but files carry trusted.ec.config (${seen.ecConfigs.join(', ')}): this is a disperse volume`);
  }
  if (layout.kind === 'disperse' && seen.afrVolumes.length > 0) {
    throw new GfsckError('usage', `${where} says disperse, but files carry AFR keys of volume ${seen.afrVolumes.join(', ')}`);
  }
}
