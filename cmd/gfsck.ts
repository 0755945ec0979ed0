/** gfsck: offline forensics and repair for GlusterFS bricks. */
import { Command } from 'commander';
import { inspectCommand } from './inspect/index.ts';
import { gfidCommand } from './gfid/index.ts';
import { rebuildCommand } from './rebuild/index.ts';
import { healCommand } from './heal/index.ts';
import { xattrsCommand } from './xattrs/index.ts';
import { diagnoseCommand } from './diagnose/index.ts';
import { fail, handleInterrupts } from './shared/run.ts';

const program = new Command('gfsck')
  .description('offline forensics and repair toolkit for GlusterFS bricks')
  .version('0.1.0')
  .addCommand(inspectCommand())
  .addCommand(gfidCommand())
  .addCommand(rebuildCommand())
  .addCommand(healCommand())
  .addCommand(xattrsCommand())
  .addCommand(diagnoseCommand(), { hidden: true });

// Commander's own errors become one `gfsck: ...` line and exit 16 (see fail()).
for (const cmd of [program, ...program.commands]) {
  cmd.exitOverride().configureOutput({
    writeErr: (s) => process.stderr.write(s.startsWith('error: ') ? `gfsck: ${s.slice(7)}` : s),
  });
}

handleInterrupts();
try {
  await program.parseAsync(process.argv);
} catch (e) {
  fail(e);
}
