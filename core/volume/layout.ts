/**
 * How the given bricks form replica/disperse sets (the DHT subvolumes). Bricks are listed
 * in volume order, as to `gluster volume create`; set s holds bricks s*n … s*n+n-1.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { GfsckError } from '../errors.ts';

export type SetKind = 'disperse' | 'replicate' | 'distribute';

export interface VolumeLayout {
  kind: SetKind;
  /** Bricks per set: N for disperse, the replica count, or 1 for plain distribute. */
  setSize: number;
  redundancy: number;
  arbiter: boolean;
  volumeName: string | null;
  shardBlockSize: number | null;
  source: 'volinfo' | 'option' | 'inferred';
  /** Client quorum of a replica volume as configured (volinfo) or told (--quorum); absent: not known. */
  quorum?: ClientQuorum;
}

/**
 * AFR client quorum (heal-sources.md §2.2, §2.3 step 6): `auto` is more than half the bricks,
 * `fixed` a count, `none` nothing. It decides whether bricks accused by a minority may still
 * be sources when none is free of accusation.
 */
export interface ClientQuorum {
  type: 'auto' | 'fixed' | 'none';
  /** For `fixed`: the count. */
  count: number;
  origin: 'volinfo' | 'option';
}

/** `--quorum auto|none|N`. */
export function parseQuorumOption(text: string): ClientQuorum {
  if (text === 'auto' || text === 'none') return { type: text, count: 0, origin: 'option' };
  if (/^[1-9]\d{0,2}$/.test(text)) return { type: 'fixed', count: Number(text), origin: 'option' };
  throw new GfsckError('usage', `--quorum ${text}: expected auto, none or a brick count`);
}

/** The quorum a volinfo's options configure, or null when they leave GlusterFS's default. */
function volinfoQuorum(kv: Map<string, string>): ClientQuorum | undefined {
  const type = kv.get('cluster.quorum-type');
  if (type === 'auto' || type === 'none') return { type, count: 0, origin: 'volinfo' };
  const count = Number(kv.get('cluster.quorum-count'));
  if (type === 'fixed' && Number.isInteger(count) && count > 0) return { type, count, origin: 'volinfo' };
  return undefined;
}

export interface BrickSet { index: number; bricks: number[] }

/** The arbiter's member index in each set of an arbiter volume (always the last brick), or null. */
export const arbiterMember = (layout: VolumeLayout): number | null => (layout.kind === 'replicate' && layout.arbiter ? layout.setSize - 1 : null);

/** Bricks of a set are compared with each other only when at least two of them are given. */
export const isCompared = (set: BrickSet): boolean => set.bricks.length > 1;

export function dataFragments(layout: VolumeLayout): number {
  return layout.setSize - layout.redundancy;
}

export function brickSets(layout: VolumeLayout, brickCount: number): BrickSet[] {
  // Fewer bricks than one set: the admin is looking at part of a set (often one brick).
  if (brickCount < layout.setSize) return [{ index: 0, bricks: Array.from({ length: brickCount }, (_, i) => i) }];
  if (brickCount % layout.setSize !== 0) {
    throw new GfsckError('usage', `${brickCount} bricks do not divide into sets of ${layout.setSize} (${describeLayout(layout)})`);
  }
  const sets: BrickSet[] = [];
  for (let s = 0; s * layout.setSize < brickCount; s++) {
    sets.push({ index: s, bricks: Array.from({ length: layout.setSize }, (_, i) => s * layout.setSize + i) });
  }
  return sets;
}

export function describeLayout(layout: VolumeLayout): string {
  if (layout.kind === 'disperse') return `disperse ${layout.setSize - layout.redundancy}+${layout.redundancy}`;
  if (layout.kind === 'replicate') return `replica ${layout.setSize}${layout.arbiter ? ' arbiter 1' : ''}`;
  return 'distribute';
}

/** `disperse:K+R`, `replica:N`, `replica:3:arbiter`, `distribute`. */
export function parseLayoutOption(text: string): VolumeLayout {
  const base = { volumeName: null, shardBlockSize: null, source: 'option' as const, arbiter: false };
  const ec = /^disperse:(\d+)\+(\d+)$/.exec(text);
  if (ec) {
    const k = Number(ec[1]);
    const r = Number(ec[2]);
    if (!(r >= 1 && r < k && k <= 16)) throw new GfsckError('usage', `--layout ${text}: need 1 <= R < K <= 16`);
    return { ...base, kind: 'disperse', setSize: k + r, redundancy: r };
  }
  const rep = /^replica:(\d+)(:arbiter)?$/.exec(text);
  if (rep) {
    const n = Number(rep[1]);
    if (n < 2) throw new GfsckError('usage', `--layout ${text}: a replica set has at least 2 bricks`);
    if (rep[2] && n !== 3) throw new GfsckError('usage', `--layout ${text}: an arbiter set is replica 3`);
    return { ...base, kind: 'replicate', setSize: n, redundancy: 0, arbiter: Boolean(rep[2]) };
  }
  if (text === 'distribute') return { ...base, kind: 'distribute', setSize: 1, redundancy: 0 };
  throw new GfsckError('usage', `--layout ${text}: expected disperse:K+R, replica:N[:arbiter] or distribute`);
}

/** glusterd's `vols/NAME` folder (or its `info` file): type, counts, brick order. */
export function readVolinfo(path: string): { layout: VolumeLayout; brickCount: number; volumeId: string | null } {
  let infoPath = path;
  try {
    if (statSync(path).isDirectory()) infoPath = join(path, 'info');
  } catch {
    throw new GfsckError('operational', `--volinfo ${path}: no such file or directory`);
  }
  let text: string;
  try {
    text = readFileSync(infoPath, 'utf8');
  } catch (e) {
    throw new GfsckError('operational', `--volinfo: cannot read ${infoPath}: ${(e as NodeJS.ErrnoException).code}`);
  }
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const num = (key: string) => Number(kv.get(key) ?? 'NaN');
  const type = num('type');
  const count = num('count');
  if (!Number.isInteger(type) || !Number.isInteger(count)) {
    throw new GfsckError('operational', `--volinfo ${infoPath}: not a glusterd volume info file (no type/count)`);
  }
  const volumeName = volumeNameOf(infoPath);
  const shard = kv.get('features.shard') === 'on' ? parseSize(kv.get('features.shard-block-size') ?? '64MB') : null;
  const base = { volumeName, shardBlockSize: shard, source: 'volinfo' as const, arbiter: false };
  let layout: VolumeLayout;
  // glusterd volume types: 0 distribute, 2 replicate, 4 disperse.
  if (type === 4) {
    layout = { ...base, kind: 'disperse', setSize: num('disperse_count'), redundancy: num('redundancy_count') };
  } else if (type === 2) {
    layout = { ...base, kind: 'replicate', setSize: num('replica_count'), redundancy: 0, arbiter: num('arbiter_count') === 1 };
    const quorum = volinfoQuorum(kv);
    if (quorum) layout.quorum = quorum;
  } else if (type === 0) {
    layout = { ...base, kind: 'distribute', setSize: 1, redundancy: 0 };
  } else {
    throw new GfsckError('operational', `--volinfo ${infoPath}: unsupported volume type ${type}`);
  }
  if (!(layout.setSize >= 1) || count % layout.setSize !== 0) {
    throw new GfsckError('operational', `--volinfo ${infoPath}: inconsistent counts (count=${count}, set size ${layout.setSize})`);
  }
  return { layout, brickCount: count, volumeId: kv.get('volume-id') ?? null };
}

/** glusterd keeps the name only as the folder name and in the volfile names beside `info`. */
function volumeNameOf(infoPath: string): string {
  const dir = dirname(infoPath);
  const volfile = readdirSync(dir).map((f) => /^(?:trusted-)?(.+)\.tcp-fuse\.vol$/.exec(f)?.[1]).find(Boolean);
  return volfile ?? basename(dir);
}

function parseSize(text: string): number {
  const m = /^(\d+)\s*([KMGT]?)B?$/i.exec(text.trim());
  if (!m) return 64 * 2 ** 20;
  return Number(m[1]) * 1024 ** ' KMGT'.indexOf((m[2] || ' ').toUpperCase());
}
