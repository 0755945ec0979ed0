/**
 * The catalog's `xattrs` column: every xattr of an inode, raw, as a JSON object of hex
 * strings by name, so `sqlite3` can read it (json_each, unhex) and the catalog alone can
 * restore or compare any value. Decoding happens on read: a decoded copy of every value
 * tripled the catalog and its write time, and the checks need it for few entries.
 */
import { decodeXattr, decodedToJson } from '../xattr/decode.ts';

export type XattrJson = Record<string, { kind: string; [field: string]: unknown }>;

/** Builds the column text (names and values as listed). */
export function xattrColumn(xattrs: ReadonlyArray<{ name: string; value: Buffer }>): string {
  const members = xattrs.map(({ name, value }) => `${JSON.stringify(name)}:"${value.toString('hex')}"`);
  return `{${members.join(',')}}`;
}

/** Decodes a column (NULL: none) into the JSON-safe decoded view, by name. */
export function parseXattrJson(column: string | null): XattrJson {
  const decoded: XattrJson = {};
  if (!column) return decoded;
  for (const [name, hex] of Object.entries(JSON.parse(column) as Record<string, string>)) {
    decoded[name] = decodedToJson(decodeXattr(name, Buffer.from(hex, 'hex'))) as XattrJson[string];
  }
  return decoded;
}
