/**
 * `gfsck diagnose` (not listed in help): what this installation runs on, for bug reports and
 * for the tests of an installed package: the EC kernel in use, and where the code runs from.
 */
import { Command } from 'commander';
import { projectRoot, runningSources } from '../../core/fs/project.ts';

export function diagnoseCommand(): Command {
  return new Command('diagnose')
    .description('print the EC kernel in use and where gfsck runs from')
    .action(async () => {
      // Loaded here, not at start: no other command pays for the kernel before it needs it.
      const { defaultKernel } = await import('../../core/ec/kernel.ts');
      process.stdout.write(`ec-kernel: ${defaultKernel.name}\n`);
      process.stdout.write(`code: ${runningSources ? 'sources' : 'compiled'} in ${projectRoot()}\n`);
      process.stdout.write(`node: ${process.version}\n`);
    });
}
