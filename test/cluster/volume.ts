/**
 * A real GlusterFS volume on this machine, created by the harness and always torn down by
 * it: `withVolume` for fresh volumes, `withImportedVolume` for brick dirs that already hold
 * data (a fixture, or bricks after an offline repair).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { run, runSyncQuietly, sleep, waitFor } from './exec.ts';
import { brickHost, brickStatus, ensureGlusterd, gluster, healInfo, listVolumes, retryWhileGlusterdBusy, type HealInfoBrick } from './gluster.ts';
import { renameVolumeOnBricks } from './volume-name.ts';
import { brickCount, createArgs, volumeSetOptions, type VolumeSpec } from './layout.ts';
import { readOwner, register, volumeScratchDir, writeOwner, VOLUME_PREFIX, type OwnerRecord } from './registry.ts';

/**
 * How long GlusterFS needs after the last write before the volume is quiet: EC releases
 * its eager lock (and clears trusted.ec.dirty) about 1 s after the last operation, so
 * unmounting, stopping or reading bricks earlier leaves dirty counters behind.
 */
export const SETTLE_MS = 2500;

interface MountEntry {
  source: string;
  mountpoint: string;
}

/** /proc/mounts escapes space, tab, newline and backslash as octal. */
const unescapeMountField = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

function glusterMounts(volume: string): MountEntry[] {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .filter((f) => f.length > 2 && f[2] === 'fuse.glusterfs')
    .map((f) => ({ source: unescapeMountField(f[0]!), mountpoint: unescapeMountField(f[1]!) }))
    .filter((m) => m.source.endsWith(`:/${volume}`));
}

/** FUSE client processes (`glusterfs --process-name fuse --volfile-id=/VOL MOUNTPOINT`) of a volume. */
function fuseClients(volume: string): Array<{ pid: number; mountpoint: string }> {
  const clients: Array<{ pid: number; mountpoint: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
    } catch {
      continue; // exited while we looked
    }
    if (argv.includes('fuse') && argv.includes(`--volfile-id=/${volume}`)) {
      clients.push({ pid: Number(entry), mountpoint: argv[argv.length - 1]! });
    }
  }
  return clients;
}

/** True while the pid exists and is not a zombie waiting to be reaped. */
function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

type Command = [cmd: string, ...args: string[]];

/**
 * The undo of a volume as plain commands, computed once so that the async teardown and
 * the signal-handler teardown do exactly the same thing. Each may fail harmlessly
 * (e.g. `umount -l` after a successful `umount`).
 */
function teardownCommands(owner: OwnerRecord): Command[] {
  const commands: Command[] = [];
  for (const m of glusterMounts(owner.volume)) commands.push(['umount', m.mountpoint], ['umount', '-l', m.mountpoint]);
  for (const c of fuseClients(owner.volume)) commands.push(['kill', '-KILL', String(c.pid)]);
  commands.push(['gluster', '--mode=script', 'volume', 'stop', owner.volume, 'force']);
  commands.push(['gluster', '--mode=script', 'volume', 'delete', owner.volume]);
  return commands;
}

/** Removes the scratch dir, unless something is still mounted below it (rm -rf would walk into the volume). */
function removeScratch(owner: OwnerRecord): void {
  const stillMounted = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((line) => unescapeMountField(line.split(' ')[1] ?? '').startsWith(owner.dir + '/'));
  if (stillMounted) {
    process.stderr.write(`gfsckt: leaving ${owner.dir}: something is still mounted below it\n`);
    return;
  }
  rmSync(owner.dir, { recursive: true, force: true });
}

function teardownSync(owner: OwnerRecord): void {
  for (const [cmd, ...args] of teardownCommands(owner)) runSyncQuietly(cmd, args);
  removeScratch(owner);
}

/** Tears down a volume this harness created (from its owner marker), also one left by an earlier process. */
export async function teardownVolume(owner: OwnerRecord): Promise<void> {
  for (const [cmd, ...args] of teardownCommands(owner)) {
    await retryWhileGlusterdBusy(() => run(cmd, args, { allowFailure: true, timeoutMs: 180_000 }));
  }
  removeScratch(owner);
}

/** `gfsckt-<tag>-<random>`: unique to this run, so runs sharing one glusterd never collide. */
export const runUniqueVolumeName = (tag: string): string => `${VOLUME_PREFIX}${tag}-${randomBytes(3).toString('hex')}`;

export interface CreateOptions {
  /** Full volume name (must start with `gfsckt-`); default `gfsckt-<tag>-<random>`. */
  name?: string;
  /** Short word for generated names. */
  tag?: string;
  /** Existing brick dirs to build the volume on (import); default fresh dirs in the scratch dir. */
  brickDirs?: string[];
}

export class Volume {
  /** The first mount, made by withVolume/withImportedVolume; '' while not mounted. */
  mountpoint = '';
  /** False after stop(); startForce() starts it again. */
  running = false;
  private mountCount = 0;
  private unregister: () => void;

  private constructor(
    readonly name: string,
    readonly spec: VolumeSpec,
    /** Brick dirs in volume order. */
    readonly bricks: string[],
    private readonly owner: OwnerRecord,
    tearDownOnExit: boolean,
  ) {
    this.unregister = tearDownOnExit ? register({ label: `volume ${name}`, releaseSync: () => teardownSync(owner) }) : () => false;
  }

  /**
   * A handle on a running volume that an earlier process created and detached (the CLI
   * works this way); it is not torn down when this process exits.
   */
  static async attach(name: string): Promise<Volume> {
    const owner = readOwner(name);
    if (!owner) throw new Error(`${name} was not created by this harness (no owner marker in ${volumeScratchDir(name)}); leaving it alone`);
    const vol = new Volume(name, owner.spec, owner.bricks, owner, false);
    const status = await brickStatus(name);
    vol.running = status.some((b) => b.online);
    vol.mountpoint = glusterMounts(name)[0]?.mountpoint ?? '';
    vol.mountCount = glusterMounts(name).length;
    return vol;
  }

  /** Creates and starts a volume. Brick dirs given in `opts.brickDirs` keep their contents (force create). */
  static async create(spec: VolumeSpec, opts: CreateOptions = {}): Promise<Volume> {
    await ensureGlusterd();
    const name = opts.name ?? runUniqueVolumeName(opts.tag ?? 'vol');
    if (!name.startsWith(VOLUME_PREFIX)) throw new Error(`volume names must start with ${VOLUME_PREFIX}: ${name}`);
    if ((await listVolumes()).includes(name)) {
      throw new Error(`volume ${name} already exists; ${readOwner(name) ? 'run `npm run cluster -- down ' + name + '`' : 'it is not ours, leaving it alone'}`);
    }
    const dir = volumeScratchDir(name);
    const leftover = readOwner(name);
    if (leftover) await teardownVolume(leftover); // scratch of a crashed earlier run whose volume is gone
    const bricks = opts.brickDirs ?? Array.from({ length: brickCount(spec) }, (_, i) => join(dir, 'bricks', `b${i}`));
    if (bricks.length !== brickCount(spec)) throw new Error(`${spec.type} needs ${brickCount(spec)} bricks, got ${bricks.length}`);
    for (const b of bricks) mkdirSync(b, { recursive: true });
    const owner: OwnerRecord = { volume: name, dir, bricks, spec, pid: process.pid, created: new Date().toISOString() };
    writeOwner(owner);
    const vol = new Volume(name, spec, bricks, owner, true);
    try {
      const host = brickHost();
      // force: bricks on the root filesystem, several bricks of one set on one host, and dirs that already hold data.
      await gluster(['volume', 'create', name, ...createArgs(spec), ...bricks.map((b) => `${host}:${b}`), 'force']);
      for (const [key, value] of volumeSetOptions(spec)) await gluster(['volume', 'set', name, key, value]);
      await gluster(['volume', 'start', name]);
      vol.running = true;
      await vol.waitBricksOnline(bricks.map((_, i) => i));
    } catch (e) {
      await vol.destroy();
      throw e;
    }
    return vol;
  }

  /** Mounts the volume with the FUSE client and waits until it is connected to every running brick. */
  async mount(mountpoint?: string): Promise<string> {
    const mp = mountpoint ?? join(this.owner.dir, this.mountCount === 0 ? 'mnt' : `mnt-${this.mountCount}`);
    this.mountCount++;
    mkdirSync(mp, { recursive: true });
    await run('mount', ['-t', 'glusterfs', `${brickHost()}:/${this.name}`, mp]);
    if (!this.mountpoint) this.mountpoint = mp;
    await this.waitClientConnected(mp);
    return mp;
  }

  /**
   * The meta xlator shows each protocol/client's state under /.meta; operations issued
   * before a client xlator connects count as failed on that brick (EC marks files dirty,
   * AFR accuses the brick), which would put damage into "clean" fixtures.
   */
  private async waitClientConnected(mp: string): Promise<void> {
    const online = (await brickStatus(this.name)).map((b) => b.online);
    const graph = join(mp, '.meta', 'graphs', 'active');
    await waitFor(`the client on ${mp} to connect to all running bricks`, () => {
      const states = online.map((up, i) => {
        if (!up) return true;
        const priv = readFileSync(join(graph, `${this.name}-client-${i}`, 'private'), 'utf8');
        return /connected\s*=\s*1/.test(priv);
      });
      return states.every(Boolean) ? true : undefined;
    });
  }

  async unmount(mountpoint = this.mountpoint): Promise<void> {
    const r = await run('umount', [mountpoint], { allowFailure: true });
    if (r.code !== 0) await run('umount', ['-l', mountpoint]);
    if (mountpoint === this.mountpoint) this.mountpoint = '';
  }

  /** Waits long enough for GlusterFS to finish its post-write bookkeeping (see SETTLE_MS). */
  settle(): Promise<void> {
    return sleep(SETTLE_MS);
  }

  async brickPid(index: number): Promise<number | null> {
    const status = (await brickStatus(this.name)).find((b) => b.path === this.bricks[index]);
    return status?.online ? status.pid : null;
  }

  /** SIGKILLs brick `index`'s process (a crash, not a clean stop) and waits until GlusterFS sees it down. */
  async killBrick(index: number): Promise<void> {
    const pid = await this.brickPid(index);
    if (pid === null) throw new Error(`brick ${index} of ${this.name} is not running`);
    process.kill(pid, 'SIGKILL');
    await waitFor(`brick ${index} (pid ${pid}) to exit`, async () =>
      !processAlive(pid) && (await this.brickPid(index)) === null ? true : undefined,
    );
  }

  /**
   * `volume start force`: restarts killed bricks. A brick killed less than ~2 s earlier is
   * not restarted by it (glusterd still thinks it runs), so this repeats until all are up.
   */
  async startForce(): Promise<void> {
    await waitFor(`all bricks of ${this.name} to come back`, async () => {
      await gluster(['volume', 'start', this.name, 'force'], true);
      const status = await brickStatus(this.name);
      return status.length === this.bricks.length && status.every((b) => b.online) ? true : undefined;
    }, 60_000, 1500);
    this.running = true;
  }

  private async waitBricksOnline(indexes: number[]): Promise<void> {
    await waitFor(`bricks ${indexes.join(',')} of ${this.name} to be online`, async () => {
      const status = await brickStatus(this.name);
      return indexes.every((i) => status.find((b) => b.path === this.bricks[i])?.online) ? true : undefined;
    });
  }

  /** SIGKILLs the FUSE client process of a mount (the mount then answers ENOTCONN until unmounted). */
  async killClient(mountpoint = this.mountpoint): Promise<void> {
    const client = fuseClients(this.name).find((c) => c.mountpoint === mountpoint);
    if (!client) throw new Error(`no FUSE client of ${this.name} on ${mountpoint}`);
    process.kill(client.pid, 'SIGKILL');
    await waitFor(`FUSE client ${client.pid} to exit`, () => (processAlive(client.pid) ? undefined : true));
    await this.unmount(mountpoint);
  }

  healInfo(): Promise<HealInfoBrick[]> {
    return healInfo(this.name);
  }

  /** Unmounts every client and stops the volume (bricks keep their contents; the volume stays defined). */
  async stop(): Promise<void> {
    for (const m of glusterMounts(this.name)) await this.unmount(m.mountpoint);
    if (!this.running) return;
    await gluster(['volume', 'stop', this.name, 'force']);
    this.running = false;
  }

  /** Everything undone: mounts, clients, the volume, the scratch dir (and the bricks if the harness made them). */
  async destroy(): Promise<void> {
    await teardownVolume(this.owner);
    this.unregister();
    this.mountpoint = '';
  }

  /**
   * Leaves the volume running after this process exits (the CLI's `up`); it can be torn
   * down later with `npm run cluster -- down NAME`.
   */
  detach(): void {
    this.unregister();
  }
}

/** A fresh, started and mounted volume for the duration of `fn`, torn down afterwards whatever happens. */
export async function withVolume<T>(spec: VolumeSpec, fn: (vol: Volume) => Promise<T>, opts: CreateOptions = {}): Promise<T> {
  const vol = await Volume.create(spec, opts);
  try {
    await vol.mount();
    return await fn(vol);
  } finally {
    await vol.destroy();
  }
}

/**
 * Builds a fresh volume on existing brick dirs (in volume order) and mounts it, under a name
 * unique to this run (`gfsckt-<recorded name's tag>-<random>`). Bricks written under
 * `recordedName` carry it in AFR changelog keys and DHT linkto values; they are renamed to
 * the new name for the volume's life and back afterwards (volume-name.ts), so GlusterFS
 * honours them and the recorded volinfo still describes the bricks. Lend only copies (an
 * unpacked fixture): a crash between the two renames leaves the new name on them. The brick
 * dirs are left in place.
 */
export async function withImportedVolume<T>(brickDirs: string[], spec: VolumeSpec, fn: (vol: Volume) => Promise<T>, recordedName?: string): Promise<T> {
  for (const b of brickDirs) if (!existsSync(join(b, '.glusterfs'))) throw new Error(`${b} is not a brick (no .glusterfs)`);
  const name = runUniqueVolumeName(recordedName?.startsWith(VOLUME_PREFIX) ? recordedName.slice(VOLUME_PREFIX.length) : 'import');
  if (recordedName) renameVolumeOnBricks(brickDirs, recordedName, name);
  try {
    return await withVolume(spec, fn, { brickDirs, name });
  } finally {
    if (recordedName) renameVolumeOnBricks(brickDirs, name, recordedName);
  }
}
