/** Brick names are arbitrary bytes: join them as Buffers, print them escaped. */

export const SLASH = 0x2f;

export function joinPath(dir: Buffer, name: Buffer): Buffer {
  if (dir.length === 0) return Buffer.from(name);
  if (dir[dir.length - 1] === SLASH) return Buffer.concat([dir, name]);
  return Buffer.concat([dir, Buffer.from('/'), name]);
}

/** Volume-relative path as the catalog stores it: "/" for the root, "/a/b" below. */
export function childPath(parent: Buffer, name: Buffer): Buffer {
  return parent.length === 1 && parent[0] === SLASH ? Buffer.concat([parent, name]) : joinPath(parent, name);
}

export function baseName(path: Buffer): Buffer {
  const i = path.lastIndexOf(SLASH);
  return path.subarray(i + 1);
}

/**
 * Printable form of a byte name: valid UTF-8 stays as it is, except control characters and
 * backslashes; every other byte becomes \xNN. Reversible, one line.
 */
export function escapeName(name: Buffer | string): string {
  const bytes = typeof name === 'string' ? Buffer.from(name) : name;
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 1) {
      if (b === 0x5c) out += '\\\\';
      else if (b === 0x0a) out += '\\n';
      else if (b === 0x09) out += '\\t';
      else if (b < 0x20 || b === 0x7f) out += `\\x${b.toString(16).padStart(2, '0')}`;
      else out += String.fromCharCode(b);
      i += 1;
      continue;
    }
    const seq = len > 0 ? bytes.subarray(i, i + len) : null;
    const text = seq && seq.length === len ? seq.toString('utf8') : null;
    if (text !== null && !text.includes('\ufffd') && Buffer.from(text).equals(seq!)) {
      out += text;
      i += len;
    } else {
      out += `\\x${b.toString(16).padStart(2, '0')}`;
      i += 1;
    }
  }
  return out;
}

/** Inverse of escapeName, for paths typed on a command line. */
export function unescapeName(text: string): Buffer {
  const parts: Buffer[] = [];
  let plain = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\' || i + 1 >= text.length) { plain += c; continue; }
    const next = text[i + 1]!;
    if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      parts.push(Buffer.from(plain), Buffer.from([parseInt(text.slice(i + 2, i + 4), 16)]));
      plain = '';
      i += 3;
    } else {
      plain += next === 'n' ? '\n' : next === 't' ? '\t' : next;
      i += 1;
    }
  }
  parts.push(Buffer.from(plain));
  return Buffer.concat(parts);
}

/** '/a/b' → '/a'; '/a' → '/'. */
export function parentPath(path: Buffer): Buffer {
  const i = path.lastIndexOf(SLASH);
  return i <= 0 ? Buffer.from('/') : path.subarray(0, i);
}

/** A word as a POSIX shell reads it back: plain when it is safe, else single-quoted. */
export const shellWord = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);
