/**
 * Contributor CLI for the bundled mini cluster (`npm run cluster -- <command>`); see docs/cluster.md.
 */
import { Command } from 'commander';
import { join } from 'node:path';
import { captureBricks, extractArchive, readArchiveMember } from './archive.ts';
import { ensureGlusterd, listVolumes, parseVolinfo, volinfoMembers } from './gluster.ts';
import { brickCount, parseSpec, specFromTruth, specFromVolinfo, type VolumeSpec } from './layout.ts';
import { ownedVolumeNames, readOwner, volumeScratchDir, VOLUME_PREFIX } from './registry.ts';
import type { Truth } from './truth.ts';
import { runUniqueVolumeName, teardownVolume, Volume } from './volume.ts';
import { renameVolumeOnBricks } from './volume-name.ts';

/** Extra archive member with the volume's name, so `import` can rewrite it on the bricks to the new volume's. */
const VOLNAME_MEMBER = 'volinfo/name';

async function bringUp(spec: VolumeSpec, opts: { name?: string; brickDirs?: string[] }): Promise<void> {
  const vol = await Volume.create(spec, { tag: 'cli', ...opts });
  try {
    await vol.mount();
  } catch (e) {
    await vol.destroy();
    throw e;
  }
  vol.detach();
  console.log(`volume     ${vol.name}`);
  vol.bricks.forEach((b, i) => console.log(`brick ${i}    ${b}`));
  console.log(`mountpoint ${vol.mountpoint}`);
  console.log(`stop with: npm run cluster -- down ${vol.name}`);
}

async function down(name: string): Promise<void> {
  const owner = readOwner(name);
  if (!owner) throw new Error(`${name} was not created by this harness; leaving it alone`);
  await teardownVolume(owner);
  console.log(`removed ${name}`);
}

/** The spec and name an archive's bricks were written under: truth.json for fixtures, else the captured volinfo. */
async function describeArchive(archive: string): Promise<{ spec: VolumeSpec; name?: string }> {
  const truthText = await readArchiveMember(archive, 'truth.json');
  if (truthText !== undefined) {
    const truth = JSON.parse(truthText) as Truth;
    return { spec: specFromTruth(truth.volume), name: truth.volume.name };
  }
  const info = await readArchiveMember(archive, 'volinfo/info');
  if (info === undefined) throw new Error(`${archive} has neither truth.json nor volinfo/info`);
  const spec = specFromVolinfo(parseVolinfo(info));
  const name = (await readArchiveMember(archive, VOLNAME_MEMBER))?.trim();
  return name ? { spec, name } : { spec };
}

const program = new Command('cluster').description('bundled GlusterFS mini cluster for gfsck tests');

program
  .command('up')
  .argument('<shape>', 'disperse:K+R | dist-disperse:SxK+R | replica:N | arbiter | distribute:N, optionally ,shard=4MB')
  .option('--name <name>', `volume name (must start with ${VOLUME_PREFIX})`)
  .description('create, start and mount a volume; it stays up')
  .action(async (shape: string, opts: { name?: string }) => bringUp(parseSpec(shape), opts.name ? { name: opts.name } : {}));

program
  .command('down')
  .argument('[name]')
  .option('--all-mine', 'every volume this harness created on this machine')
  .description('unmount, stop and delete a harness volume and its scratch dir')
  .action(async (name: string | undefined, opts: { allMine?: boolean }) => {
    if (opts.allMine) for (const n of ownedVolumeNames()) await down(n);
    else if (name) await down(name);
    else throw new Error('give a volume name or --all-mine');
  });

program
  .command('kill-brick')
  .argument('<name>')
  .argument('<index>')
  .description('SIGKILL one brick process (restart with `start-force`)')
  .action(async (name: string, index: string) => {
    await (await Volume.attach(name)).killBrick(Number(index));
    console.log(`killed brick ${index} of ${name}`);
  });

program
  .command('start-force')
  .argument('<name>')
  .description('`volume start force`: restart killed bricks')
  .action(async (name: string) => (await Volume.attach(name)).startForce());

program
  .command('heal-info')
  .argument('<name>')
  .description('print `gluster volume heal NAME info`, parsed')
  .action(async (name: string) => console.log(JSON.stringify(await (await Volume.attach(name)).healInfo(), null, 2)));

program
  .command('capture')
  .argument('<name>')
  .argument('<out>', 'archive to write (.tar.gz)')
  .description('stop the volume, archive its bricks (xattrs, hard links, holes kept) with its volinfo, start it again')
  .action(async (name: string, out: string) => {
    const vol = await Volume.attach(name);
    const mounted = vol.mountpoint !== '';
    if (vol.running) {
      await vol.settle();
      await vol.stop();
    }
    await captureBricks({ bricks: vol.bricks, extras: { ...volinfoMembers(name), [VOLNAME_MEMBER]: `${name}\n` } }, out);
    await vol.startForce();
    if (mounted) await vol.mount();
    console.log(`wrote ${out}`);
  });

program
  .command('import')
  .argument('<archive>', 'a fixture (testdata/*.tar.gz) or a capture')
  .option('--name <name>', `volume name (must start with ${VOLUME_PREFIX}; default: a new one)`)
  .description('unpack an archive and serve its bricks from a fresh, mounted volume; it stays up')
  .action(async (archive: string, opts: { name?: string }) => {
    await ensureGlusterd();
    const { spec, name: original } = await describeArchive(archive);
    const name = opts.name ?? runUniqueVolumeName('import');
    if ((await listVolumes()).includes(name)) throw new Error(`volume ${name} already exists`);
    // The bricks go into the new volume's scratch dir, so `down` removes them with it.
    const dir = volumeScratchDir(name);
    await extractArchive(archive, dir);
    const brickDirs = Array.from({ length: brickCount(spec) }, (_, i) => join(dir, 'bricks', `b${i}`));
    // The copy is this volume's for good: its AFR keys and linkto values take the new name.
    if (original) renameVolumeOnBricks(brickDirs, original, name);
    await bringUp(spec, { name, brickDirs });
  });

await program.parseAsync();
