/**
 * What a scenario is, the context it records its truth into, and the runner that turns a
 * scenario into testdata/<name>.tar.gz (bricks/, volinfo/info, truth.json).
 */
import { captureBricks } from './archive.ts';
import { pendingIndexEntries } from './brick-tools.ts';
import { fixtureArchive } from './fixture.ts';
import { volinfoMembers } from './gluster.ts';
import { setSize, truthVolume, type VolumeSpec } from './layout.ts';
import { gfidOnMount, readNamespace } from './namespace.ts';
import { describeOp, removesPath, resultPath, applyOp, type Op } from './ops.ts';
import type { DamageRecord, HealSettlement, LinktoRecord, Truth, TruthEntry } from './truth.ts';
import { withVolume, type Volume } from './volume.ts';

export interface Scenario {
  name: string;
  /** One sentence for the fixture list and the docs. */
  description: string;
  spec: VolumeSpec;
  /**
   * A clean scenario promises no pending heal anywhere; the runner checks every brick's
   * index before packing, so a timing slip cannot ship a dirty "clean" fixture.
   */
  clean?: boolean;
  /**
   * Runs against a started, mounted volume. It may stop the volume (to damage bricks
   * directly); the runner stops it otherwise, after recording the namespace if the
   * scenario did not.
   */
  run(ctx: ScenarioContext): Promise<void>;
}

export class ScenarioContext {
  /** The mount operations go through; changes when the scenario remounts. */
  mountpoint: string;
  entries: TruthEntry[] | undefined;
  readonly damage: DamageRecord[] = [];
  readonly linkto: LinktoRecord[] = [];
  readonly notes: string[] = [];
  readonly stale = new Set<number>();
  /** How a heal settles what this scenario left undecidable (see Truth.healWith). */
  healWith: HealSettlement | undefined;
  /** Bricks currently killed: every op applied now is recorded as missed by them. */
  private readonly down = new Set<number>();

  constructor(
    readonly vol: Volume,
    /** Seed for contents; the scenario name, so every scenario has its own bytes. */
    readonly seed: string,
  ) {
    this.mountpoint = vol.mountpoint;
  }

  /** Applies ops through the mount; while bricks are down, each op becomes a `missed-<op>` damage record for each of them. */
  async apply(ops: readonly Op[]): Promise<void> {
    for (const o of ops) {
      const gfidBefore = removesPath(o) ? gfidOnMount(this.mountpoint, o.path) : undefined;
      await applyOp(this.mountpoint, o);
      if (this.down.size === 0) continue;
      const path = resultPath(o);
      const gfid = gfidBefore ?? gfidOnMount(this.mountpoint, path);
      for (const brick of this.down) {
        this.damage.push({
          kind: `missed-${o.op}`,
          brick,
          path,
          gfid,
          detail: `${describeOp(o)} while brick ${brick} was down`,
          ...(o.op === 'rename' ? { data: { from: o.path } } : {}),
        });
      }
    }
  }

  /** Kills a brick (SIGKILL) and records it as down and stale. */
  async killBrick(index: number): Promise<void> {
    await this.vol.killBrick(index);
    this.down.add(index);
    this.stale.add(index);
    this.damage.push({ kind: 'brick-down', brick: index, detail: `brick ${index} SIGKILLed and left down; changes made after this did not reach it` });
  }

  /** Restarts killed bricks (`volume start force`); later ops are no longer missed by them. */
  async restartBricks(): Promise<void> {
    await this.vol.startForce();
    this.down.clear();
  }

  /** Snapshots the namespace as the client sees it now (after letting GlusterFS settle). */
  async recordNamespace(): Promise<void> {
    await this.vol.settle();
    this.entries = await readNamespace(this.mountpoint);
  }

  addDamage(record: DamageRecord): void {
    this.damage.push(record);
  }

  note(text: string): void {
    this.notes.push(text);
  }

  gfid(path: string): string {
    return gfidOnMount(this.mountpoint, path);
  }
}

/**
 * Fixtures are made under a fixed name, unlike every test volume: the name is part of what
 * a fixture records (truth.json, the volfile names under volinfo/, AFR keys and linkto
 * values on the bricks), and a fixed one keeps a regenerated archive comparable with the
 * one it replaces. Generation (`npm run fixtures`) is a contributor's step, not part of a
 * test run, and imports rename the volume away (withImportedVolume): a second generation
 * at once fails with "already exists" and leaves the first alone.
 */
export const scenarioVolumeName = (scenario: Scenario): string => `gfsckt-${scenario.name}`;

/**
 * Runs a scenario on a started, mounted volume, leaves the volume stopped, and returns the
 * truth it recorded.
 */
export async function runScenario(scenario: Scenario, vol: Volume): Promise<Truth> {
  const ctx = new ScenarioContext(vol, scenario.name);
  await scenario.run(ctx);
  if (!ctx.entries) await ctx.recordNamespace();
  if (vol.running) {
    await vol.settle();
    await vol.stop();
  }
  if (scenario.clean) {
    const pending = vol.bricks.flatMap((b, i) => pendingIndexEntries(b).map((e) => `b${i}:${e}`));
    if (pending.length > 0) throw new Error(`${scenario.name} is meant to be clean but has pending heal entries: ${pending.join(' ')}`);
  }
  return {
    scenario: scenario.name,
    volume: truthVolume(vol.name, scenario.spec),
    bricks: vol.bricks.map((_, index) => ({ index, subvol: Math.floor(index / setSize(scenario.spec)), stale: ctx.stale.has(index) })),
    entries: ctx.entries!,
    damage: ctx.damage,
    ...(ctx.linkto.length > 0 ? { linkto: ctx.linkto } : {}),
    ...(ctx.notes.length > 0 ? { notes: ctx.notes } : {}),
    ...(ctx.healWith ? { healWith: ctx.healWith } : {}),
  };
}

/** Runs a scenario on a fresh volume and packs its bricks, volinfo and truth into `outFile`. */
export async function generateFixture(scenario: Scenario, outFile = fixtureArchive(scenario.name)): Promise<Truth> {
  return withVolume(
    scenario.spec,
    async (vol) => {
      const truth = await runScenario(scenario, vol);
      await captureBricks(
        { bricks: vol.bricks, extras: { ...volinfoMembers(vol.name), 'truth.json': JSON.stringify(truth, null, 1) + '\n' } },
        outFile,
      );
      return truth;
    },
    { name: scenarioVolumeName(scenario) },
  );
}
