/**
 * The fuzz suite's mutation engine: damage on-brick state the way xfstests' fuzz verbs do
 * (zeroes, ones, firstbit, middlebit, lastbit, add, sub, random, truncated, overlong), on
 * every xattr gfsck decodes and on the .glusterfs handle tree (loops, self-links, wrong
 * types, missing buckets). Everything is drawn from one seeded generator, so a seed names
 * a case exactly.
 */
import { lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listXattrs, setXattr } from '../../core/fs/xattr.ts';
import { ROOT_GFID, dirHandleTarget, isGfidText } from '../../core/gfid-tree/gfid.ts';

/** mulberry32: small, fast, and the same sequence on every machine for a seed. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  bytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => this.int(256)));
  }
}

export const VERBS = ['zeroes', 'ones', 'firstbit', 'middlebit', 'lastbit', 'add', 'sub', 'random', 'truncated', 'overlong'] as const;
export type Verb = (typeof VERBS)[number];

/** A value after one fuzz verb; add and sub treat it as one big-endian number, as the fields are. */
export function applyVerb(verb: Verb, value: Buffer, rng: Rng): Buffer {
  const v = Buffer.from(value);
  const flip = (at: number, bit: number) => { if (v.length > 0) v[at] = v[at]! ^ (1 << bit); };
  switch (verb) {
    case 'zeroes': return v.fill(0);
    case 'ones': return v.fill(0xff);
    case 'firstbit': flip(0, 7); return v;
    case 'middlebit': flip(v.length >> 1, 3); return v;
    case 'lastbit': flip(v.length - 1, 0); return v;
    case 'add': case 'sub': {
      if (v.length === 0) return v;
      const n = BigInt(`0x${v.toString('hex')}`);
      const delta = BigInt(1 + rng.int(2 ** 16)) << BigInt(8 * rng.int(v.length));
      const modulus = 1n << BigInt(8 * v.length);
      const r = ((verb === 'add' ? n + delta : n - delta) % modulus + modulus) % modulus;
      return Buffer.from(r.toString(16).padStart(2 * v.length, '0'), 'hex');
    }
    case 'random': return rng.bytes(v.length);
    case 'truncated': return v.subarray(0, rng.int(Math.max(v.length, 1)));
    case 'overlong': return Buffer.concat([v, rng.bytes(1 + rng.int(rng.next() < 0.1 ? 4000 : 64))]);
  }
}

/** What each decoded xattr looks like when an entry has none to damage: a plausible value, then the verb. */
interface Family { name: (vol: string) => string; on: 'file' | 'dir' | 'any' | 'root'; template: () => Buffer }

const hex = (h: string) => () => Buffer.from(h, 'hex');
const FAMILIES: Record<string, Family> = {
  'ec.config': { name: () => 'trusted.ec.config', on: 'file', template: hex('0000080301000200') },
  'ec.size': { name: () => 'trusted.ec.size', on: 'file', template: hex('0000000000001000') },
  'ec.version': { name: () => 'trusted.ec.version', on: 'any', template: hex('00000000000000030000000000000003') },
  'ec.dirty': { name: () => 'trusted.ec.dirty', on: 'any', template: hex('00000000000000000000000000000000') },
  gfid: { name: () => 'trusted.gfid', on: 'any', template: hex('5a3c1e2f00004bd68a6e0123456789ab') },
  gfid2path: { name: () => 'trusted.gfid2path.0123456789abcdef', on: 'file', template: () => Buffer.from(`${ROOT_GFID}/name`) },
  mdata: { name: () => 'trusted.glusterfs.mdata', on: 'any', template: () => Buffer.concat([Buffer.from([1]), Buffer.alloc(56)]) },
  dht: { name: () => 'trusted.glusterfs.dht', on: 'dir', template: hex('000000000000000000000000ffffffff') },
  linkto: { name: () => 'trusted.glusterfs.dht.linkto', on: 'file', template: () => Buffer.from('vol-client-0\0') },
  afr: { name: (vol) => `trusted.afr.${vol}-client-0`, on: 'any', template: hex('000000010000000000000000') },
  'afr.dirty': { name: () => 'trusted.afr.dirty', on: 'any', template: hex('000000000000000000000000') },
  shard: { name: () => 'trusted.glusterfs.shard.file-size', on: 'file', template: () => Buffer.alloc(32) },
  'shard.block-size': { name: () => 'trusted.glusterfs.shard.block-size', on: 'file', template: hex('0000000004000000') },
  'volume-id': { name: () => 'trusted.glusterfs.volume-id', on: 'root', template: hex('c0ffee00c0ffee00c0ffee00c0ffee00') },
};

export const HANDLE_DAMAGE = ['self-parent', 'pair-loop', 'self-link', 'wrong-type', 'missing-bucket'] as const;

export type Mutation =
  | { kind: 'xattr'; brick: number; path: string; xattr: string; verb: Verb }
  | { kind: 'handle'; brick: number; damage: (typeof HANDLE_DAMAGE)[number]; path: string };

interface BrickObjects { files: string[]; dirs: string[]; dirHandles: string[]; fileHandles: string[]; buckets: string[] }

/** What a brick holds, relative paths, in a stable order (the same seed picks the same object). */
function objectsOf(brick: string): BrickObjects {
  const out: BrickObjects = { files: [], dirs: ['/'], dirHandles: [], fileHandles: [], buckets: [] };
  const walk = (rel: string) => {
    for (const name of readdirSync(join(brick, rel)).sort()) {
      const path = `${rel}/${name}`;
      if (path === '/.glusterfs') continue;
      const st = lstatSync(join(brick, path));
      if (st.isDirectory()) {
        out.dirs.push(path);
        walk(path);
      } else if (st.isFile()) out.files.push(path);
    }
  };
  walk('');
  const glusterfs = join(brick, '.glusterfs');
  for (const xx of readdirSync(glusterfs).filter((n) => /^[0-9a-f]{2}$/.test(n)).sort()) {
    for (const yy of readdirSync(join(glusterfs, xx)).sort()) {
      out.buckets.push(`/.glusterfs/${xx}/${yy}`);
      for (const name of readdirSync(join(glusterfs, xx, yy)).sort()) {
        if (!isGfidText(name) || name === ROOT_GFID) continue;
        const rel = `/.glusterfs/${xx}/${yy}/${name}`;
        const st = lstatSync(join(brick, rel));
        if (st.isSymbolicLink()) out.dirHandles.push(rel);
        else if (st.isFile()) out.fileHandles.push(rel);
      }
    }
  }
  return out;
}

/** One random mutation, applied; returned so that a failing case can say what it did. */
export function mutate(bricks: string[], volume: string, rng: Rng): Mutation {
  const brick = rng.int(bricks.length);
  const root = bricks[brick]!;
  const objects = objectsOf(root);
  if (rng.next() < 0.75) return mutateXattr(root, brick, objects, volume, rng);
  return damageHandles(root, brick, objects, rng);
}

function mutateXattr(root: string, brick: number, objects: BrickObjects, volume: string, rng: Rng): Mutation {
  const family = FAMILIES[rng.pick(Object.keys(FAMILIES))]!;
  const candidates = family.on === 'root' ? ['/'] : family.on === 'file' ? objects.files : family.on === 'dir' ? objects.dirs : [...objects.files, ...objects.dirs];
  const path = rng.pick(candidates.length > 0 ? candidates : ['/']);
  const abs = join(root, path);
  const wanted = family.name(volume);
  const prefix = wanted.replace(/\.[0-9a-f]{16}$|-client-\d+$/, '');
  // Damage a value the entry really has where it has one of this family.
  const existing = listXattrs(abs).filter(([n]) => n === wanted || n.startsWith(prefix));
  const [name, value] = existing.length > 0 ? rng.pick(existing) : [wanted, family.template()];
  const verb = rng.pick(VERBS);
  setXattr(abs, name, applyVerb(verb, value, rng));
  return { kind: 'xattr', brick, path, xattr: name, verb };
}

function damageHandles(root: string, brick: number, objects: BrickObjects, rng: Rng): Mutation {
  const damage = rng.pick(HANDLE_DAMAGE);
  const handleName = (rel: string) => rel.slice(rel.lastIndexOf('/') + 1);
  const abs = (rel: string) => join(root, rel);
  const relink = (rel: string, target: Buffer) => {
    unlinkSync(abs(rel));
    symlinkSync(target, abs(rel));
  };
  const dirHandle = objects.dirHandles.length > 0 ? rng.pick(objects.dirHandles) : null;
  switch (damage) {
    case 'self-parent':
      if (!dirHandle) break;
      relink(dirHandle, dirHandleTarget(handleName(dirHandle), readlinkSync(abs(dirHandle), { encoding: 'buffer' }).subarray(-8)));
      return { kind: 'handle', brick, damage, path: dirHandle };
    case 'pair-loop': {
      if (objects.dirHandles.length < 2) break;
      const other = rng.pick(objects.dirHandles.filter((h) => h !== dirHandle));
      relink(dirHandle!, dirHandleTarget(handleName(other), Buffer.from('a')));
      relink(other, dirHandleTarget(handleName(dirHandle!), Buffer.from('b')));
      return { kind: 'handle', brick, damage, path: `${dirHandle} ${other}` };
    }
    case 'self-link':
      if (!dirHandle) break;
      relink(dirHandle, Buffer.from(handleName(dirHandle)));
      return { kind: 'handle', brick, damage, path: dirHandle };
    case 'wrong-type': {
      const handle = rng.pick([...objects.fileHandles, ...objects.dirHandles]);
      if (!handle) break;
      unlinkSync(abs(handle));
      if (rng.next() < 0.5) mkdirSync(abs(handle));
      else writeFileSync(abs(handle), 'not a handle');
      return { kind: 'handle', brick, damage, path: handle };
    }
    case 'missing-bucket': {
      const bucket = rng.pick(objects.buckets);
      if (!bucket) break;
      rmSync(abs(bucket), { recursive: true });
      return { kind: 'handle', brick, damage, path: bucket };
    }
  }
  // Nothing of that kind on this brick: damage a gfid instead, which every brick has.
  const path = rng.pick(objects.files.length > 0 ? objects.files : ['/']);
  const verb = rng.pick(VERBS);
  setXattr(join(root, path), 'trusted.gfid', applyVerb(verb, Buffer.alloc(16, 0x5a), rng));
  return { kind: 'xattr', brick, path, xattr: 'trusted.gfid', verb };
}
