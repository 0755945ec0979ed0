/**
 * --verify-data: the content check of the verdict. Every fragment of a file with more than
 * K sources is read and checked against the others with the codec (the same streaming
 * decoder rebuild --out uses); a brick whose fragment disagrees leaves the sources and
 * becomes a sink, with the fragment offsets where it went wrong. Metadata says nothing
 * about silent bitrot or a torn write: GlusterFS serves such data without noticing.
 * For a replica split-brain, each copy's sha256 joins the evidence the admin chooses from.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { CHUNK_SIZE } from '../ec/layout.ts';
import { EcWorkerPool } from '../ec/parallel.ts';
import { streamEc, type BlockSink } from '../recover/content.ts';
import { brickLabel, type VolumeShape } from '../volume/copies.ts';
import { dataFragments } from '../volume/layout.ts';
import type { EntryVerdict } from './verdict.ts';

const DISCARD: BlockSink = { write: async () => undefined };

async function sha256Of(file: Buffer, onBytes: (n: number) => void): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    onBytes(chunk.length);
  }
  return hash.digest('hex');
}

/** What the content check changed in one verdict, so that a later pass over the plan gets the same verdict without reading again. */
interface Refinement {
  reasons: string[];
  /** Members whose data left the sources for the sinks. */
  rotten: number[];
  unrecoverable: boolean;
}

const UNCHANGED: Refinement = { reasons: [], rotten: [], unrecoverable: false };

export class DataVerifier {
  private pool: EcWorkerPool | null = null;
  /** By set and path: each file is read once, however many passes the plan makes. */
  private readonly refined = new Map<string, Refinement>();
  bytes = 0;

  constructor(private readonly shape: VolumeShape, private readonly onBytes: (total: number) => void) {}

  /** Refines the verdict of one file in place: rotten sources become sinks. */
  async verify(v: EntryVerdict): Promise<void> {
    const key = `${v.set}:${v.path.toString('latin1')}`;
    let r = this.refined.get(key);
    if (!r) {
      r = v.evidence.length > 0 ? await this.hashSides(v) : await this.checkFragments(v);
      this.refined.set(key, r);
    }
    apply(v, r);
  }

  private async checkFragments(v: EntryVerdict): Promise<Refinement> {
    const data = v.ecData;
    const k = dataFragments(this.shape.layout);
    if (!data || data.reason !== 'ok' || data.sources.length <= k) return UNCHANGED;
    const size = data.sources[0]!.size;
    const sources = data.sources.map((s) => s.copy);
    const plan = { sources, size, stripes: sources[0]!.size / CHUNK_SIZE, stale: false, excluded: [], notes: [] };
    const outcome = await streamEc(plan, this.shape, DISCARD, 0, {
      pool: () => (this.pool ??= new EcWorkerPool()),
      onBytes: (n) => this.onBytes((this.bytes += n)),
    });
    if (outcome.rotten.size === 0 && outcome.undecidable.length === 0) return UNCHANGED;
    const r: Refinement = { reasons: [], rotten: [], unrecoverable: outcome.undecidable.length > 0 };
    for (const [brick, rot] of outcome.rotten) {
      r.rotten.push(sources.find((c) => c.brick === brick)!.member);
      r.reasons.push(`${brickLabel(brick)}: its fragment disagrees with the others in ${rot.stripes} stripe(s) from fragment byte ${rot.firstOffset} (bitrot or a torn write): a sink, not a source`);
    }
    if (r.unrecoverable) {
      r.reasons.push(`fragments disagree in ${outcome.undecidable.length} stripe(s) from fragment byte ${outcome.undecidable[0]! * CHUNK_SIZE} and there is not enough redundancy to tell which brick is wrong`);
    }
    return r;
  }

  private async hashSides(v: EntryVerdict): Promise<Refinement> {
    const files = v.evidence.filter((c) => c.type === 'file');
    if (files.length === 0) return UNCHANGED;
    const sums = [];
    for (const c of files) sums.push({ brick: c.brick, sha256: await sha256Of(c.file, (n) => this.onBytes((this.bytes += n))) });
    const alike = new Set(sums.map((s) => s.sha256)).size === 1;
    return { ...UNCHANGED, reasons: [`sha256: ${sums.map((s) => `${brickLabel(s.brick)} ${s.sha256}`).join(', ')}${alike && files.length > 1 ? ' (the same content)' : ''}`] };
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}

function apply(v: EntryVerdict, r: Refinement): void {
  const data = v.ecData;
  for (const member of r.rotten) {
    data!.sources = data!.sources.filter((s) => s.copy.member !== member);
    data!.sinks = [...data!.sinks, member].sort((a, b) => a - b);
    if (v.status === 'healthy') v.status = 'heal';
  }
  v.reasons.push(...r.reasons);
  if (r.unrecoverable) v.status = 'unrecoverable';
}
