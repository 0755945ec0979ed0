/**
 * Data heal of one replica file: the source's bytes copied into the sinks' own inodes (so
 * the .glusterfs hard link stays valid), block by block, only the granules that differ
 * (a sink that already holds most of the file gets only the rest), holes kept. Every
 * block's writes are journaled in one synced commit before they are made; the caller syncs
 * the bricks before the changelog that says the copies agree is reset.
 */
import { closeSync, openSync } from 'node:fs';
import { openForWrite, readInto } from '../../fs/ranges.ts';
import type { RangeWrite } from '../../repair/journal.ts';
import type { RepairSession } from '../../repair/session.ts';
import { diffSinkBlock, type Punch, type RewriteOutcome } from './granules.ts';

export interface ReplicaCopy {
  source: Buffer;
  /** Existing regular files, rewritten in place. */
  sinks: Buffer[];
  /** The source's length, which every sink ends with. */
  size: number;
  step: string;
}

const BLOCK = 4 * 1024 * 1024;

/** Copies one file after another through one block buffer. */
export class ReplicaCopier {
  private buffer: Buffer | null = null;

  copy(session: RepairSession, job: ReplicaCopy, onBytes?: (n: number) => void): RewriteOutcome {
    const outcome: RewriteOutcome = { bytesWritten: 0, bytesPunched: 0, bytesUnchanged: 0 };
    const block = (this.buffer ??= Buffer.allocUnsafe(BLOCK));
    const source = openSync(job.source, 'r');
    const sinks: number[] = [];
    try {
      for (const s of job.sinks) sinks.push(openForWrite(s));
      for (let at = 0; at < job.size; at += BLOCK) {
        const wanted = block.subarray(0, Math.min(BLOCK, job.size - at));
        const got = readInto(source, wanted, at);
        if (got < wanted.length) throw new Error(`the source ${job.source.toString('latin1')} ends at byte ${at + got}, ${job.size} expected`);
        // The writes point into the block buffer: they are made before the next block is read.
        const writes: RangeWrite[] = [];
        const punches: Punch[] = [];
        job.sinks.forEach((path, i) => diffSinkBlock(sinks[i]!, path, wanted, at, writes, punches, outcome));
        if (writes.length > 0) session.journal.writeRanges(writes, job.step);
        for (const p of punches) session.journal.punchHole(p.path, p.offset, p.length, job.step);
        onBytes?.(wanted.length * job.sinks.length);
      }
      for (const s of job.sinks) session.journal.truncate(s, job.size, job.step);
      return outcome;
    } finally {
      for (const fd of sinks) closeSync(fd);
      closeSync(source);
    }
  }
}
