/**
 * Decoded xattrs as short human text, one line per field (glusterfs.mdata has three
 * times). A value that does not decode shows its hex and the decoder's complaint; hex is
 * cut short, since a hostile brick may hold a value of any length.
 */
import { escapeName } from '../fs/names.ts';
import { brickLabel } from '../volume/copies.ts';
import { ecShape, type AfrCounters, type Decoded, type Timestamp, type XattrRecord } from './decode.ts';

/** One line of a value: `field` names the part of a value with several (null for the whole value). */
export interface DescribedField { field: string | null; text: string }

/** Bytes of hex shown before the value is cut (`…, N bytes`). */
const HEX_SHOWN = 32;

export function hexText(value: Buffer): string {
  if (value.length === 0) return '(empty)';
  const shown = value.subarray(0, HEX_SHOWN).toString('hex');
  return value.length > HEX_SHOWN ? `0x${shown}… (${value.length} bytes)` : `0x${shown}`;
}

/** Milliseconds a JavaScript Date can hold (±100,000,000 days). */
const DATE_LIMIT_SECONDS = 8_640_000_000_000n;

/** ISO 8601 in UTC with all nine digits of the nanoseconds; a time no calendar holds as its seconds. */
export function timestampText(t: Timestamp): string {
  const nsec = t.nsec.toString().padStart(9, '0');
  if (t.sec > DATE_LIMIT_SECONDS) return `${t.sec}.${nsec} s after 1970 (beyond any date)`;
  return new Date(Number(t.sec) * 1000).toISOString().replace(/\.000Z$/, `.${nsec}Z`);
}

const afrText = (c: AfrCounters) => `data ${c.data} / meta ${c.metadata} / entry ${c.entry}`;
const whole = (text: string): DescribedField[] => [{ field: null, text }];

export function describeXattr(record: XattrRecord): DescribedField[] {
  const d: Decoded = record.decoded;
  switch (d.kind) {
    case 'gfid': case 'volume-id': return whole(d.gfid);
    case 'gfid2path': {
      const text = `${d.parentGfid}/${escapeName(d.name)}`;
      return whole(d.keyMatches ? text : `${text} (the key should be ${d.expectedKey})`);
    }
    case 'mdata': return [
      { field: 'ctime', text: timestampText(d.mdata.ctime) },
      { field: 'mtime', text: timestampText(d.mdata.mtime) },
      { field: 'atime', text: timestampText(d.mdata.atime) },
      { field: 'flags', text: String(d.mdata.flags) },
    ];
    case 'dht-layout': {
      const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
      return whole(`range ${hex(d.start)}-${hex(d.stop)}, hash type ${d.hashType}, commit ${d.commit}`);
    }
    case 'dht-mds': case 'dht-commithash': return whole(String(d.value));
    case 'dht-linkto': return whole(`-> ${d.subvolume}`);
    // The client index is the brick's position in the volume: the brick this one accuses.
    case 'afr-pending': return [{ field: `accuses ${brickLabel(d.client)}`, text: afrText(d.counters) }];
    case 'afr-dirty': return whole(afrText(d.counters));
    case 'ec-config': {
      const c = d.config;
      return whole(`${ecShape(c)}, chunk ${c.chunkSize}, word ${c.wordSize}, alg ${c.algorithm}, ver ${c.version}`);
    }
    case 'ec-size': return whole(`${d.size} bytes`);
    case 'ec-version':
      return whole(`data ${d.data} / meta ${d.metadata}${d.healing ? ' (healing)' : ''}${d.legacy ? ' (8-byte, one counter for both)' : ''}`);
    case 'ec-dirty': return whole(`data ${d.data} / meta ${d.metadata}`);
    case 'shard-block-size': return whole(`${d.blockSize} bytes`);
    case 'shard-file-size': return whole(`${d.size} bytes, ${d.blocks} blocks`);
    case 'pgfid': return whole(`parent ${d.parentGfid}, ${d.links} link(s)`);
    case 'malformed': return whole(`${hexText(record.value)} (undecodable: ${d.reason})`);
    case 'raw': return whole(hexText(record.value));
  }
}
