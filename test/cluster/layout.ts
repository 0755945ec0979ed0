/**
 * Volume shapes the harness can build, how they map to `gluster volume create` arguments,
 * and how they are written into (and read back from) a fixture's truth.json.
 */
import type { TruthVolume } from './truth.ts';

export type VolumeLayout =
  | { type: 'disperse'; k: number; r: number }
  | { type: 'distributed-disperse'; subvols: number; k: number; r: number }
  /** `subvols` > 1: distributed-replicate, the replica sets in brick order. */
  | { type: 'replicate'; replica: number; arbiter?: boolean; subvols?: number }
  | { type: 'distribute'; bricks: number };

export interface VolumeFeatures {
  /** Turns on `features.shard` with this block size in bytes (GlusterFS accepts 4 MiB and up). */
  shardBlockSize?: number;
  /** Further `gluster volume set` options, applied before the first start. */
  options?: Record<string, string>;
}

export type VolumeSpec = VolumeLayout & VolumeFeatures;

/** Bricks in one replica or disperse set (1 for plain distribute). */
export function setSize(layout: VolumeLayout): number {
  switch (layout.type) {
    case 'disperse':
    case 'distributed-disperse':
      return layout.k + layout.r;
    case 'replicate':
      return layout.replica;
    case 'distribute':
      return 1;
  }
}

/** DHT subvolumes: disperse/replica sets, or single bricks for plain distribute. */
export function subvolCount(layout: VolumeLayout): number {
  switch (layout.type) {
    case 'distributed-disperse':
      return layout.subvols;
    case 'replicate':
      return layout.subvols ?? 1;
    case 'distribute':
      return layout.bricks;
    default:
      return 1;
  }
}

export const brickCount = (layout: VolumeLayout): number => setSize(layout) * subvolCount(layout);

/** The type words of `gluster volume create NAME <these> BRICKS... force`. */
export function createArgs(layout: VolumeLayout): string[] {
  switch (layout.type) {
    case 'disperse':
    case 'distributed-disperse':
      return ['disperse', String(layout.k + layout.r), 'redundancy', String(layout.r)];
    case 'replicate':
      return layout.arbiter ? ['replica', '3', 'arbiter', '1'] : ['replica', String(layout.replica)];
    case 'distribute':
      return [];
  }
}

/** Every `gluster volume set` the spec asks for, in the order they are applied. */
export function volumeSetOptions(spec: VolumeSpec): Array<[string, string]> {
  const opts: Array<[string, string]> = [];
  if (spec.shardBlockSize !== undefined) {
    opts.push(['features.shard', 'on'], ['features.shard-block-size', String(spec.shardBlockSize)]);
  }
  for (const [k, v] of Object.entries(spec.options ?? {})) opts.push([k, v]);
  return opts;
}

export function truthVolume(name: string, spec: VolumeSpec): TruthVolume {
  const common = {
    name,
    subvols: subvolCount(spec),
    ...(spec.shardBlockSize !== undefined ? { shardBlockSize: spec.shardBlockSize } : {}),
    ...(spec.options ? { options: spec.options } : {}),
  };
  switch (spec.type) {
    case 'disperse':
    case 'distributed-disperse':
      return { ...common, type: spec.type, disperse: spec.k + spec.r, redundancy: spec.r };
    case 'replicate':
      return { ...common, type: 'replicate', replica: spec.replica, arbiter: spec.arbiter ? 1 : 0 };
    case 'distribute':
      return { ...common, type: 'distribute' };
  }
}

/** The spec that recreates a fixture's volume (for importing its bricks). */
export function specFromTruth(volume: TruthVolume): VolumeSpec {
  const features: VolumeFeatures = {
    ...(volume.shardBlockSize !== undefined ? { shardBlockSize: volume.shardBlockSize } : {}),
    ...(volume.options ? { options: volume.options } : {}),
  };
  switch (volume.type) {
    case 'disperse':
    case 'distributed-disperse': {
      const n = volume.disperse!;
      const r = volume.redundancy!;
      return volume.type === 'disperse'
        ? { type: 'disperse', k: n - r, r, ...features }
        : { type: 'distributed-disperse', subvols: volume.subvols, k: n - r, r, ...features };
    }
    case 'replicate':
      return { type: 'replicate', replica: volume.replica!, arbiter: volume.arbiter === 1, ...(volume.subvols > 1 ? { subvols: volume.subvols } : {}), ...features };
    case 'distribute':
      return { type: 'distribute', bricks: volume.subvols, ...features };
  }
}

/**
 * Parses the CLI's shape notation: `disperse:4+2`, `dist-disperse:2x2+1`, `replica:3`,
 * `dist-replica:2x3`, `arbiter`, `distribute:3`, each optionally followed by `,shard=4MB`.
 */
export function parseSpec(text: string): VolumeSpec {
  const [shape, ...extras] = text.split(',');
  const features: VolumeFeatures = {};
  for (const extra of extras) {
    const m = /^shard=(\d+)(MB)?$/i.exec(extra);
    if (!m) throw new Error(`unknown volume option "${extra}" (known: shard=<N>MB)`);
    features.shardBlockSize = Number(m[1]) * (m[2] ? 1024 * 1024 : 1);
  }
  let m: RegExpExecArray | null;
  if ((m = /^disperse:(\d+)\+(\d+)$/.exec(shape!))) return { type: 'disperse', k: +m[1]!, r: +m[2]!, ...features };
  if ((m = /^dist-disperse:(\d+)x(\d+)\+(\d+)$/.exec(shape!))) {
    return { type: 'distributed-disperse', subvols: +m[1]!, k: +m[2]!, r: +m[3]!, ...features };
  }
  if ((m = /^replica:(\d+)$/.exec(shape!))) return { type: 'replicate', replica: +m[1]!, ...features };
  if ((m = /^dist-replica:(\d+)x(\d+)$/.exec(shape!))) return { type: 'replicate', subvols: +m[1]!, replica: +m[2]!, ...features };
  if (shape === 'arbiter') return { type: 'replicate', replica: 3, arbiter: true, ...features };
  if ((m = /^distribute:(\d+)$/.exec(shape!))) return { type: 'distribute', bricks: +m[1]!, ...features };
  throw new Error(`unknown volume shape "${shape}" (disperse:K+R, dist-disperse:SxK+R, replica:N, dist-replica:SxN, arbiter, distribute:N)`);
}

/**
 * The spec of a volume from glusterd's `info` file (what a CLI capture keeps as
 * volinfo/info), for archives that have no truth.json. Options with a dot in the key are
 * the volume's `gluster volume set` options and are carried over.
 */
export function specFromVolinfo(fields: Map<string, string>): VolumeSpec {
  const num = (key: string): number => Number(fields.get(key) ?? 0);
  const features: VolumeFeatures = {};
  if (fields.get('features.shard') === 'on') features.shardBlockSize = num('features.shard-block-size');
  const options = [...fields].filter(([k]) => k.includes('.') && !k.startsWith('features.shard'));
  if (options.length > 0) features.options = Object.fromEntries(options);
  const count = num('count');
  const disperse = num('disperse_count');
  if (disperse > 0) {
    const r = num('redundancy_count');
    return count === disperse
      ? { type: 'disperse', k: disperse - r, r, ...features }
      : { type: 'distributed-disperse', subvols: count / disperse, k: disperse - r, r, ...features };
  }
  const replica = num('replica_count');
  if (replica > 1) {
    return { type: 'replicate', replica, arbiter: num('arbiter_count') > 0, ...(count > replica ? { subvols: count / replica } : {}), ...features };
  }
  return { type: 'distribute', bricks: count, ...features };
}
