/** gfsck: offline forensics and repair for GlusterFS bricks. */
import { Command } from 'commander';
import { inspectCommand } from './inspect/index.ts';
import { fail } from './shared/run.ts';

const program = new Command('gfsck')
  .description('offline forensics and repair toolkit for GlusterFS bricks')
  .version('0.1.0')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `gfsck: ${s.slice(7)}` : s) })
  .showHelpAfterError(false)
  .addCommand(inspectCommand());

for (const sub of program.commands) sub.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (e) {
  fail(e);
}
