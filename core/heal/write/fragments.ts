/**
 * Data heal of one EC file: the sinks' fragments are computed from K sources, block by
 * block, straight from fragment to fragment (the codec's repairStripes, no user data in
 * between), and written in place into the sinks' own inodes, so the .glusterfs hard link
 * stays valid. Each 4 KiB granule is written only where it differs: a zero granule over
 * old data becomes a hole, over a hole stays one, so a sparse file stays sparse. Every
 * block's writes are journaled in one synced commit before they are made. The sinks are
 * not synced here: the caller syncs the bricks once for many files, before the counters that
 * say the fragments are whole.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { closeSync, openSync } from 'node:fs';
import { codecFor } from '../../ec/codec.ts';
import { openForWrite, readInto } from '../../fs/ranges.ts';
import type { RangeWrite } from '../../repair/journal.ts';
import { diffSinkBlock, type Punch, type RewriteOutcome } from './granules.ts';
import type { RepairSession } from '../../repair/session.ts';

export interface FragmentFile {
  /** Fragment index in the set. */
  member: number;
  /** Absolute path on its brick. */
  path: Buffer;
}

export interface FragmentRewrite {
  k: number;
  r: number;
  /** At least K copies that agree; the first K are read. */
  sources: FragmentFile[];
  /** Existing regular files, rewritten in place. */
  sinks: FragmentFile[];
  /** The length every sink ends with (a multiple of 512). */
  fragmentBytes: number;
  step: string;
}

/** Fragment bytes per block and source: a few MiB bounds memory and the size of one journal commit. */
const BLOCK = 4 * 1024 * 1024;

/**
 * Rewrites the fragments of one file after another, reusing its block buffers: allocating
 * them per file left the allocator holding tens of MiB on a heal of many small files.
 * One rewrite at a time.
 */
export class FragmentRewriter {
  private readonly scratch: Buffer[] = [];
  private busy = false;

  async rewrite(session: RepairSession, job: FragmentRewrite, onBytes?: (n: number) => void): Promise<RewriteOutcome> {
    if (this.busy) throw new Error('one fragment rewrite at a time');
    this.busy = true;
    try {
      return await this.run(session, job, onBytes);
    } finally {
      this.busy = false;
    }
  }

  /** `count` buffers of at least `bytes` each (every byte is read or computed before use). */
  private buffers(count: number, bytes: number): Buffer[] {
    for (let i = 0; i < count; i++) {
      if ((this.scratch[i]?.length ?? 0) < bytes) this.scratch[i] = Buffer.allocUnsafe(bytes);
    }
    return this.scratch.slice(0, count);
  }

  private async run(session: RepairSession, job: FragmentRewrite, onBytes?: (n: number) => void): Promise<RewriteOutcome> {
    const codec = codecFor(job.k, job.r);
    const present = job.sources.slice(0, job.k);
    if (present.length < job.k) throw new Error(`${present.length} source fragments, ${job.k} needed`);
    const outcome: RewriteOutcome = { bytesWritten: 0, bytesPunched: 0, bytesUnchanged: 0 };
    const readers: FileHandle[] = [];
    const sinkFds: number[] = [];
    try {
      // A fragment of one block is read at once, synchronously: for the small files that are
      // most of a volume, a thread-pool round trip per read costs more than the read.
      if (job.fragmentBytes > BLOCK) for (const s of present) readers.push(await open(s.path, 'r'));
      for (const s of job.sinks) sinkFds.push(openForWrite(s.path));
      const scratch = this.buffers(present.length + job.sinks.length, Math.min(BLOCK, job.fragmentBytes));
      const inputs = scratch.slice(0, present.length);
      const outputs = scratch.slice(present.length);
      for (let at = 0; at < job.fragmentBytes; at += BLOCK) {
        const length = Math.min(BLOCK, job.fragmentBytes - at);
        const views = inputs.map((b) => b.subarray(0, length));
        if (readers.length > 0) await Promise.all(readers.map((h, i) => readExactly(h, views[i]!, at, present[i]!.path)));
        else present.forEach((s, i) => readExactlySync(s.path, views[i]!));
        const outs = outputs.map((b) => b.subarray(0, length));
        codec.repairStripes(present.map((s) => s.member), views, job.sinks.map((s) => s.member), outs);
        // The writes point into the scratch buffers: they are made before the next block is computed.
        const writes: RangeWrite[] = [];
        const punches: Punch[] = [];
        job.sinks.forEach((sink, i) => diffSinkBlock(sinkFds[i]!, sink.path, outs[i]!, at, writes, punches, outcome));
        if (writes.length > 0) session.journal.writeRanges(writes, job.step);
        for (const p of punches) session.journal.punchHole(p.path, p.offset, p.length, job.step);
        onBytes?.(length * job.sinks.length);
      }
      for (const s of job.sinks) session.journal.truncate(s.path, job.fragmentBytes, job.step);
      return outcome;
    } finally {
      for (const fd of sinkFds) closeSync(fd);
      await Promise.all(readers.map((h) => h.close()));
    }
  }
}

async function readExactly(h: FileHandle, into: Buffer, position: number, path: Buffer): Promise<void> {
  for (let done = 0; done < into.length; ) {
    const { bytesRead } = await h.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new Error(`source fragment ${path.toString('latin1')} ends at byte ${position + done}, ${position + into.length} needed`);
    done += bytesRead;
  }
}

function readExactlySync(path: Buffer, into: Buffer): void {
  const fd = openSync(path, 'r');
  try {
    const got = readInto(fd, into, 0);
    if (got < into.length) throw new Error(`source fragment ${path.toString('latin1')} ends at byte ${got}, ${into.length} needed`);
  } finally {
    closeSync(fd);
  }
}
