/** gfid2path keys are XXH64 (seed 0) of the value `<parent-gfid>/<name>`, printed as 16 hex digits. */
import xxhash from 'xxhash-wasm';

const hasher = await xxhash();

export const GFID2PATH_PREFIX = 'trusted.gfid2path.';

export function gfid2pathValue(parentGfid: string, name: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${parentGfid}/`), name]);
}

/** Whether `value` is gfid2pathValue(parentGfid, name), compared in place (the scan asks it of every file). */
export function isGfid2pathValueOf(value: Buffer, parentGfid: string, name: Buffer): boolean {
  const at = parentGfid.length + 1;
  return value.length === at + name.length && value[at - 1] === 0x2f
    && value.toString('latin1', 0, at - 1) === parentGfid && value.subarray(at).equals(name);
}

export function gfid2pathKey(value: Uint8Array): string {
  return GFID2PATH_PREFIX + hasher.h64Raw(value, 0n).toString(16).padStart(16, '0');
}
