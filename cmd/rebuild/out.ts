// PLACEHOLDER until `rebuild --out` lands (owned by the rebuild --out work): keeps the CLI loadable.
import type { Command } from 'commander';
import { GfsckError } from '../../core/errors.ts';

export interface OutFlags { out?: string }
export function addOutOptions(cmd: Command): void {
  cmd.option('--out <dir>', 'recover the files into this directory');
}
export async function runOut(_bricks: string[], _flags: OutFlags): Promise<number> {
  throw new GfsckError('usage', 'rebuild --out is not available yet');
}
