/**
 * The catalog's `xattrs` column: every xattr of an inode, raw, as a JSON object of hex
 * strings by name, so `sqlite3` can read it (json_each, unhex) and the catalog alone can
 * restore or compare any value. Decoding happens on read: a decoded copy of every value
 * tripled the catalog and its write time, and the checks need it for few entries.
 */
import { decodeXattr, decodedToJson } from '../xattr/decode.ts';

export type XattrJson = Record<string, { kind: string; [field: string]: unknown }>;

/** A name JSON can hold as it is: printable ASCII without quote or backslash (every GlusterFS key). */
const JSON_SAFE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Builds the column text (names and values as listed). The scan calls it for every entry. */
export function xattrColumn(xattrs: ReadonlyArray<readonly [name: string, value: Buffer]>): string {
  let text = '{';
  for (let i = 0; i < xattrs.length; i++) {
    const [name, value] = xattrs[i]!;
    text += `${i === 0 ? '' : ','}${JSON_SAFE.test(name) ? `"${name}"` : JSON.stringify(name)}:"${value.toString('hex')}"`;
  }
  return `${text}}`;
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
