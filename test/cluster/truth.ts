/**
 * truth.json: what a fixture archive's bricks are supposed to hold, written by the scenario
 * that made them (test/cluster/scenarios) and read by offline tests.
 */
import type { EntryType } from '../../core/brick/entry.ts';

export type { EntryType };

export type VolumeType = 'disperse' | 'distributed-disperse' | 'replicate' | 'distribute';

export interface TruthVolume {
  /** The volume's name when the bricks were written. AFR changelog keys and DHT linkto values embed it. */
  name: string;
  type: VolumeType;
  /** Bricks per disperse set (K+R). */
  disperse?: number;
  /** R of a disperse set. */
  redundancy?: number;
  /** Bricks per replica set. */
  replica?: number;
  /** 1 for replica 3 arbiter 1 (the arbiter is the last brick of each set). */
  arbiter?: 0 | 1;
  /** DHT subvolumes (sets, or bricks for plain distribute). */
  subvols: number;
  /** `features.shard-block-size` in bytes when sharding is on. */
  shardBlockSize?: number;
  /** Other `gluster volume set` options the scenario used (e.g. cluster.quorum-type). */
  options?: Record<string, string>;
}

export interface TruthBrick {
  /** Position in the volume's brick list = `bricks/b<index>` in the archive. */
  index: number;
  /** DHT subvolume the brick belongs to. */
  subvol: number;
  /** True when the brick was down while the client changed things, so it holds old state. */
  stale: boolean;
}


/** One name as a client saw it through the FUSE mount. */
export interface TruthEntry {
  /** Absolute within the volume, `/`-separated, e.g. `/dir/file`; names are UTF-8 and may contain newlines. */
  path: string;
  type: EntryType;
  /** Bytes for regular files; 0 for everything else. */
  size: number;
  /** Hex SHA-256 of a regular file's content. */
  sha256?: string;
  /** A symlink's target, as stored. */
  target?: string;
  /** Permission bits (`st_mode & 0o7777`). */
  mode: number;
  /** The entry's gfid in text form (`glusterfs.gfid.string` on the mount). */
  gfid: string;
  /** For hard-linked files: the lexicographically first path of the link group, the same on every member. */
  linkGroup?: string;
  /** `user.*` extended attributes, values in hex. */
  xattrs?: Record<string, string>;
}

/** One deliberate damage. `kind` names the breakage; `detail` says exactly what was done. */
export interface DamageRecord {
  kind: string;
  /** Brick index the damage is on (for a stale brick: the brick that missed the change). */
  brick: number;
  path?: string;
  gfid?: string;
  detail: string;
  /** Machine-readable specifics (offsets, sizes, other gfids, where a handle went). */
  data?: Record<string, string | number>;
}

/** A DHT linkto file found on a brick (not damage: a normal pointer DHT leaves after renames). */
export interface LinktoRecord {
  brick: number;
  path: string;
  gfid: string;
  /** The subvolume xlator named by `trusted.glusterfs.dht.linkto`, without its NUL. */
  target: string;
}

export interface Truth {
  scenario: string;
  volume: TruthVolume;
  bricks: TruthBrick[];
  entries: TruthEntry[];
  damage: DamageRecord[];
  linkto?: LinktoRecord[];
  notes?: string[];
  /** What the bricks alone cannot decide (a split-brain), settled the way the entries were recorded. */
  healWith?: HealSettlement;
}

/** The gfsck heal options that settle a scenario's split-brains as its truth has them, and the bricks that heal then rewrites. */
export interface HealSettlement {
  options: string[];
  sinks: number[];
}
