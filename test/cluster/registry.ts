/**
 * Everything the harness creates (volumes, mounts, scratch dirs, helper processes) is
 * registered here with a way to undo it. Normal code undoes it in `finally`; if the
 * process is interrupted (SIGINT/SIGTERM/SIGHUP) or exits with something still
 * registered, the synchronous undo runs from the handler, so a failed or aborted test
 * never leaves a volume or mount behind.
 */
import { mkdirSync, readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VolumeSpec } from './layout.ts';

export interface Resource {
  label: string;
  /** Blocking undo, safe to call from an exit handler; must not throw. */
  releaseSync(): void;
}

const live = new Set<Resource>();
let handlersInstalled = false;

function releaseAllSync(): void {
  for (const r of [...live].reverse()) {
    live.delete(r);
    r.releaseSync();
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', releaseAllSync);
  for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]] as const) {
    process.on(signal, () => {
      if (live.size > 0) process.stderr.write(`gfsckt: ${signal}, tearing down ${[...live].map((r) => r.label).join(', ')}\n`);
      releaseAllSync();
      process.exit(128 + number);
    });
  }
}

/** Registers a resource; the returned function unregisters it (after a normal teardown, or to hand it over). */
export function register(resource: Resource): () => void {
  installHandlers();
  live.add(resource);
  return () => live.delete(resource);
}

/**
 * Scratch root for volumes, bricks and mountpoints. /var/tmp rather than /tmp because
 * bricks must live on a filesystem with trusted.* xattrs and survive tmpfs cleaners.
 */
export const scratchRoot = (): string => process.env.GFSCKT_SCRATCH ?? '/var/tmp/gfsckt';

/** Every volume this harness creates is named with this prefix and has an owner marker. */
export const VOLUME_PREFIX = 'gfsckt-';
const OWNER_FILE = 'owner.json';

export interface OwnerRecord {
  volume: string;
  /** Scratch dir of the volume (mountpoints; bricks the harness made); removed at teardown. Imported brick dirs elsewhere are left alone. */
  dir: string;
  bricks: string[];
  spec: VolumeSpec;
  pid: number;
  created: string;
}

export function volumeScratchDir(volume: string): string {
  return join(scratchRoot(), volume);
}

export function writeOwner(record: OwnerRecord): void {
  mkdirSync(record.dir, { recursive: true });
  writeFileSync(join(record.dir, OWNER_FILE), JSON.stringify(record, null, 2) + '\n');
}

/** The marker of a volume this harness created, or undefined if it is not ours. */
export function readOwner(volume: string): OwnerRecord | undefined {
  if (!volume.startsWith(VOLUME_PREFIX)) return undefined;
  const file = join(volumeScratchDir(volume), OWNER_FILE);
  if (!existsSync(file)) return undefined;
  const record = JSON.parse(readFileSync(file, 'utf8')) as OwnerRecord;
  return record.volume === volume ? record : undefined;
}

/** Names of volumes with an owner marker under the scratch root. */
export function ownedVolumeNames(): string[] {
  if (!existsSync(scratchRoot())) return [];
  return readdirSync(scratchRoot()).filter((name) => readOwner(name) !== undefined);
}
