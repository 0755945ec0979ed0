/** What `rebuild --out` says about each entry, and about the whole run. */
import type { EntryType } from '../brick/entry.ts';
import type { Exclusion } from './ec-plan.ts';

/**
 *   recovered  written as the volume holds it (notes may still say how: stale bricks, a size
 *              past ec.size, ...);
 *   partial    written, but part of it is known to be missing or possibly wrong;
 *   failed     not written;
 *   skipped    not part of the volume: a stale name only outdated bricks hold, a DHT pointer.
 */
export type EntryStatus = 'recovered' | 'partial' | 'failed' | 'skipped';

export interface EntryReport {
  /** Volume path, escaped as escapeName does. */
  path: string;
  type: EntryType;
  gfid: string | null;
  status: EntryStatus;
  /** Bytes of a regular file as written (its logical length). */
  size?: number;
  /** Bricks the content came from (positions in volume order). */
  sources?: number[];
  /** Bricks of the set that were left out, and why. */
  excluded?: Exclusion[];
  /** Content from bricks heal would not have chosen (nothing better existed). */
  stale?: boolean;
  /** Another name of the same inode, recovered first: this name is a hard link to it. */
  linkOf?: string;
  /** Why the entry is partial, failed or skipped. */
  reason?: string;
  notes: string[];
}

export interface RecoverSummary {
  entries: number;
  recovered: number;
  partial: number;
  failed: number;
  skipped: number;
  /** Bytes of file content written (holes included). */
  bytes: number;
  seconds: number;
  /** True when a full scan into the catalog was needed. */
  scanned: boolean;
  out: string;
}

export interface RecoverProgress {
  entries: number;
  bytes: number;
}
