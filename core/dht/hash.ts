/**
 * DHT name hash (brick-layout.md §5.2): the Davies-Meyer/TEA hash GlusterFS uses to place a
 * name on a subvolume, with rsync temp-name munging. Words are read little-endian and the
 * tail bytes sign-extended, as on the x86-64/aarch64 clients that wrote the bricks.
 */

const DELTA = 0x9e3779b9;

function teaRounds(state: Uint32Array, rounds: number, a: Uint32Array): void {
  let b0 = state[0]!;
  let b1 = state[1]!;
  let sum = 0;
  for (let n = 0; n < rounds; n++) {
    sum = (sum + DELTA) >>> 0;
    b0 = (b0 + ((((b1 << 4) + a[0]!) ^ (b1 + sum) ^ ((b1 >>> 5) + a[1]!)) >>> 0)) >>> 0;
    b1 = (b1 + ((((b0 << 4) + a[2]!) ^ (b0 + sum) ^ ((b0 >>> 5) + a[3]!)) >>> 0)) >>> 0;
  }
  state[0] = (state[0]! + b0) >>> 0;
  state[1] = (state[1]! + b1) >>> 0;
}

export function dmHash(name: Uint8Array): number {
  const state = new Uint32Array([0x9464a485, 0x542e1a94]);
  const len = name.length;
  let pad = (len | (len << 8)) >>> 0;
  pad = (pad | (pad << 16)) >>> 0;
  const view = new DataView(name.buffer, name.byteOffset, name.byteLength);
  const block = new Uint32Array(4);
  let at = 0;
  for (; at + 16 <= len; at += 16) {
    for (let k = 0; k < 4; k++) block[k] = view.getUint32(at + 4 * k, true);
    teaRounds(state, 6, block);
  }
  for (let k = 0; k < 4; k++) {
    if (at + 4 <= len) {
      block[k] = view.getUint32(at, true);
      at += 4;
    } else {
      let word = pad;
      for (; at < len; at++) {
        const b = name[at]!;
        // C char is signed here: high bytes arrive sign-extended and swamp the shifted pad.
        word = ((word << 8) | (b & 0x80 ? 0xffffff00 | b : b)) >>> 0;
      }
      block[k] = word;
    }
  }
  teaRounds(state, 10, block);
  return (state[0]! ^ state[1]!) >>> 0;
}

/** Default rsync-hash-regex `^\.(.+)\.[^.]+$`: `.name.XXXXXX` hashes as `name`. */
export function dhtHashName(name: Buffer): Buffer {
  if (name.length < 4 || name[0] !== 0x2e) return name;
  const lastDot = name.lastIndexOf(0x2e);
  if (lastDot <= 1 || lastDot === name.length - 1) return name;
  return name.subarray(1, lastDot);
}

export const dhtHash = (name: Buffer): number => dmHash(dhtHashName(name));
