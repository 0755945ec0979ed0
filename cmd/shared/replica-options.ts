/** The options every command that judges replica sets shares: how quorum is read, and how a split-brain is settled. */
import { Option } from 'commander';
import { parsePolicy, type Policy } from '../../core/heal/policy.ts';
import { parseQuorumOption } from '../../core/volume/layout.ts';

export const quorumOption = (): Option =>
  new Option('--quorum <q>', "replica volumes: the client quorum, auto|none|N (default: the volinfo's, else GlusterFS's default for the replica count)")
    .argParser((text: string) => {
      parseQuorumOption(text); // a bad value fails here, before any scan
      return text;
    });

export const policyOption = (what: string): Option =>
  new Option('--policy <p>', `replica split-brains: ${what}, size|mtime|ctime|majority|brick=N`).argParser(parsePolicy);

export type { Policy };
