/**
 * Decoders for every trusted.* xattr GlusterFS 10.3 writes (brick-layout.md §4,
 * ec-format.md §6). A value of the wrong length or shape decodes to `malformed`, never
 * throws: on a damaged brick that is a finding, not a crash.
 */
import { formatGfid, isGfidText } from '../gfid-tree/gfid.ts';
import { escapeName } from '../fs/names.ts';
import { GFID2PATH_PREFIX, gfid2pathKey } from './gfid2path.ts';
import { CHUNK_SIZE, layoutProblem } from '../ec/layout.ts';

export interface Mdata { ctime: Timestamp; mtime: Timestamp; atime: Timestamp; flags: bigint }
export interface Timestamp { sec: bigint; nsec: bigint }
export interface EcConfig { version: number; algorithm: number; wordSize: number; bricks: number; redundancy: number; chunkSize: number }
/** `K+R`, as --layout and the catalog's ec_config column spell a disperse set. */
export const ecShape = (config: EcConfig): string => `${config.bricks - config.redundancy}+${config.redundancy}`;
export interface AfrCounters { data: number; metadata: number; entry: number }

export type Decoded =
  | { kind: 'gfid'; gfid: string }
  | { kind: 'volume-id'; gfid: string }
  | { kind: 'gfid2path'; parentGfid: string; name: Buffer; keyMatches: boolean; expectedKey: string }
  | { kind: 'mdata'; mdata: Mdata }
  | { kind: 'dht-layout'; commit: number; hashType: number; start: number; stop: number }
  | { kind: 'dht-mds'; value: number }
  | { kind: 'dht-linkto'; subvolume: string }
  | { kind: 'dht-commithash'; value: number }
  | { kind: 'afr-pending'; volume: string; client: number; counters: AfrCounters }
  | { kind: 'afr-dirty'; counters: AfrCounters }
  | { kind: 'ec-config'; config: EcConfig }
  | { kind: 'ec-size'; size: bigint }
  | { kind: 'ec-version'; data: bigint; metadata: bigint; healing: boolean; legacy: boolean }
  | { kind: 'ec-dirty'; data: bigint; metadata: bigint }
  | { kind: 'shard-block-size'; blockSize: bigint }
  | { kind: 'shard-file-size'; size: bigint; blocks: bigint }
  | { kind: 'pgfid'; parentGfid: string; links: number }
  | { kind: 'malformed'; reason: string }
  | { kind: 'raw' };

export interface XattrRecord { name: string; value: Buffer; decoded: Decoded }

export const EC_HEAL_BIT = 1n << 62n;

type Decoder = (value: Buffer, name: string) => Decoded;

function fixed(length: number, decode: (v: Buffer) => Decoded): (v: Buffer) => Decoded {
  return (v) => (v.length === length ? decode(v) : malformed(`expected ${length} bytes, found ${v.length}`));
}

const malformed = (reason: string): Decoded => ({ kind: 'malformed', reason });

/**
 * EC sizes and counters at or above 2^63: no file is that large (off_t is signed) and no
 * counter gets there by counting, so such a value is damage. It would not fit the catalog's
 * signed 64-bit columns either.
 */
const MAX_COUNTER = (1n << 63n) - 1n;
const beyondRange = () => malformed('value at or above 2^63');

/** What GlusterFS 10.3 writes and accepts (ec-format.md §6.1): every field is checked. */
function decodeEcConfig(v: Buffer): Decoded {
  if (v.every((b) => b === 0)) return malformed('all zero (GlusterFS treats it as no config)');
  const config: EcConfig = { version: v[0]!, algorithm: v[1]!, wordSize: v[2]!, bricks: v[3]!, redundancy: v[4]!, chunkSize: v.readUIntBE(5, 3) };
  if (config.version !== 0) return malformed(`unknown config version ${config.version}`);
  if (config.algorithm !== 0) return malformed(`unknown algorithm ${config.algorithm}`);
  if (config.wordSize !== 8) return malformed(`word size ${config.wordSize}, not 8`);
  if (config.chunkSize !== CHUNK_SIZE) return malformed(`chunk size ${config.chunkSize}, not ${CHUNK_SIZE}`);
  const problem = layoutProblem(config.bricks - config.redundancy, config.redundancy);
  if (problem) return malformed(`${config.bricks} bricks, redundancy ${config.redundancy}: ${problem}`);
  return { kind: 'ec-config', config };
}

function gfidValue(kind: 'gfid' | 'volume-id') {
  return fixed(16, (v) => {
    if (v.every((b) => b === 0)) return malformed('all-zero gfid');
    return { kind, gfid: formatGfid(v) };
  });
}

function timestamp(v: Buffer, at: number): Timestamp {
  return { sec: v.readBigUInt64BE(at), nsec: v.readBigUInt64BE(at + 8) };
}

function afrCounters(v: Buffer): AfrCounters {
  return { data: v.readInt32BE(0), metadata: v.readInt32BE(4), entry: v.readInt32BE(8) };
}

const exact = new Map<string, Decoder>(Object.entries({
  'trusted.gfid': gfidValue('gfid'),
  'trusted.glusterfs.volume-id': gfidValue('volume-id'),
  'trusted.glusterfs.mdata': fixed(57, (v) => {
    if (v[0] !== 1) return malformed(`unknown mdata version ${v[0]}`);
    for (const at of [17, 33, 49]) {
      if (v.readBigUInt64BE(at) >= 1_000_000_000n) return malformed('nanoseconds out of range');
    }
    return {
      kind: 'mdata',
      mdata: { flags: v.readBigUInt64BE(1), ctime: timestamp(v, 9), mtime: timestamp(v, 25), atime: timestamp(v, 41) },
    };
  }),
  'trusted.glusterfs.dht': fixed(16, (v) => ({
    kind: 'dht-layout', commit: v.readUInt32BE(0), hashType: v.readUInt32BE(4), start: v.readUInt32BE(8), stop: v.readUInt32BE(12),
  })),
  'trusted.glusterfs.dht.mds': fixed(4, (v) => ({ kind: 'dht-mds', value: v.readUInt32BE(0) })),
  'trusted.glusterfs.dht.commithash': fixed(4, (v) => ({ kind: 'dht-commithash', value: v.readUInt32BE(0) })),
  'trusted.glusterfs.dht.linkto': (v) => {
    if (v.length < 2 || v[v.length - 1] !== 0) return malformed('linkto is not a NUL-terminated name');
    const subvolume = v.subarray(0, v.length - 1).toString('latin1');
    if (!/^[\x21-\x7e]+$/.test(subvolume)) return malformed('linkto names no subvolume');
    return { kind: 'dht-linkto', subvolume };
  },
  'trusted.afr.dirty': fixed(12, (v) => ({ kind: 'afr-dirty', counters: afrCounters(v) })),
  'trusted.ec.config': fixed(8, decodeEcConfig),
  'trusted.ec.size': fixed(8, (v) => {
    const size = v.readBigUInt64BE(0);
    return size > MAX_COUNTER ? beyondRange() : { kind: 'ec-size', size };
  }),
  'trusted.ec.version': (v) => {
    // 3.6-era files carry one 8-byte counter used for both halves.
    if (v.length !== 8 && v.length !== 16) return malformed(`expected 16 bytes, found ${v.length}`);
    const data = v.readBigUInt64BE(0);
    const metadata = v.length === 8 ? data : v.readBigUInt64BE(8);
    if (data > MAX_COUNTER || metadata > MAX_COUNTER) return beyondRange();
    return { kind: 'ec-version', data, metadata, healing: (data & EC_HEAL_BIT) !== 0n, legacy: v.length === 8 };
  },
  'trusted.ec.dirty': fixed(16, (v) => {
    const data = v.readBigUInt64BE(0);
    const metadata = v.readBigUInt64BE(8);
    return data > MAX_COUNTER || metadata > MAX_COUNTER ? beyondRange() : { kind: 'ec-dirty', data, metadata };
  }),
  'trusted.glusterfs.shard.block-size': fixed(8, (v) => ({ kind: 'shard-block-size', blockSize: v.readBigUInt64BE(0) })),
  'trusted.glusterfs.shard.file-size': fixed(32, (v) => ({
    kind: 'shard-file-size', size: v.readBigInt64BE(0), blocks: v.readBigInt64BE(16),
  })),
} satisfies Record<string, Decoder>));

const GFID2PATH_NAME = /^trusted\.gfid2path\.[0-9a-f]{16}$/;

// Every file of a brick has one: checks in place, and the name is copied only once it is valid.
function decodeGfid2path(value: Buffer, name: string): Decoded {
  if (!GFID2PATH_NAME.test(name)) return malformed('key is not 16 lower-case hex digits');
  if (value.length < 38 || value[36] !== 0x2f) return malformed('value is not <parent-gfid>/<name>');
  const parent = value.toString('latin1', 0, 36);
  if (!isGfidText(parent)) return malformed('value is not <parent-gfid>/<name>');
  if (value.indexOf(0x2f, 37) >= 0 || value.indexOf(0, 37) >= 0) return malformed('name contains "/" or NUL');
  const entryName = Buffer.from(value.subarray(37));
  const expectedKey = gfid2pathKey(value);
  return { kind: 'gfid2path', parentGfid: parent, name: entryName, keyMatches: expectedKey === name, expectedKey };
}

const AFR_PENDING = /^trusted\.afr\.(.+)-client-(\d+)$/;
const PGFID = /^trusted\.pgfid\.([0-9a-f-]{36})$/;

export function decodeXattr(name: string, value: Buffer): Decoded {
  // A Map: brick entries bring fresh name strings, which a property lookup would intern first.
  const decoder = exact.get(name);
  if (decoder) return decoder(value, name);
  if (name.startsWith(GFID2PATH_PREFIX)) return decodeGfid2path(value, name);
  const afr = AFR_PENDING.exec(name);
  if (afr) {
    return value.length === 12
      ? { kind: 'afr-pending', volume: afr[1]!, client: Number(afr[2]), counters: afrCounters(value) }
      : malformed(`expected 12 bytes, found ${value.length}`);
  }
  const pgfid = PGFID.exec(name);
  if (pgfid && isGfidText(pgfid[1]!)) {
    return value.length === 4 ? { kind: 'pgfid', parentGfid: pgfid[1]!, links: value.readUInt32BE(0) } : malformed(`expected 4 bytes, found ${value.length}`);
  }
  return { kind: 'raw' };
}

export function decodeAll(raw: Array<[string, Buffer]>): XattrRecord[] {
  return raw.map(([name, value]) => ({ name, value, decoded: decodeXattr(name, value) }));
}

/** JSON-safe view of a decoded value: bigints as decimal strings, byte names escaped. */
export function decodedToJson(d: Decoded): Record<string, unknown> {
  // By kind rather than by a generic walk: the scanner converts every xattr of every entry.
  switch (d.kind) {
    case 'gfid2path': return { ...d, name: escapeName(d.name) };
    case 'mdata': {
      const t = (x: Timestamp) => ({ sec: String(x.sec), nsec: String(x.nsec) });
      return { kind: d.kind, mdata: { flags: String(d.mdata.flags), ctime: t(d.mdata.ctime), mtime: t(d.mdata.mtime), atime: t(d.mdata.atime) } };
    }
    case 'ec-size': return { kind: d.kind, size: String(d.size) };
    case 'ec-version': return { ...d, data: String(d.data), metadata: String(d.metadata) };
    case 'ec-dirty': return { kind: d.kind, data: String(d.data), metadata: String(d.metadata) };
    case 'shard-block-size': return { kind: d.kind, blockSize: String(d.blockSize) };
    case 'shard-file-size': return { kind: d.kind, size: String(d.size), blocks: String(d.blocks) };
    default: return d;
  }
}
