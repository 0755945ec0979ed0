/**
 * `gfsck rebuild`: two jobs that rebuild something from brick contents.
 *   --out DIR BRICK...      recover the volume's files into a plain directory (out.ts)
 *   --handles BRICK...      repair the .glusterfs handle tree (handles.ts)
 */
import { Command } from 'commander';
import { GfsckError } from '../../core/errors.ts';
import { addOutOptions, runOut, type OutFlags } from './out.ts';
import { addHandleOptions, runHandles, type HandleFlags } from './handles.ts';

export function rebuildCommand(): Command {
  const cmd = new Command('rebuild')
    .description('recover files out of bricks (--out DIR), or repair the .glusterfs handle tree (--handles)')
    .argument('[bricks...]', 'brick directories, in volume order');
  addOutOptions(cmd);
  addHandleOptions(cmd);
  return cmd.action(async (bricks: string[], flags: OutFlags & HandleFlags) => {
    const modes = [flags.out !== undefined, Boolean(flags.handles), flags.undo !== undefined].filter(Boolean).length;
    if (modes !== 1) throw new GfsckError('usage', 'rebuild needs exactly one of --out DIR, --handles or --undo JOURNAL');
    process.exitCode = flags.out !== undefined ? await runOut(bricks, flags) : await runHandles(bricks, flags);
  });
}
