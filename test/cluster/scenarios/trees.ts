/**
 * Op lists shared by several scenarios: a namespace with every kind of entry and edge
 * size, and the mixed set of changes of heal-sources.md §1.9 that a down brick misses.
 */
import { patternBytes, seededBytes } from '../content.ts';
import type { Op } from '../ops.ts';

const MiB = 1024 * 1024;

/**
 * Sizes around EC's 512-byte chunk and the 2+1 and 4+2 stripes (1024, 2048), a 64 KiB
 * one, and one above 1 MiB; incompressible content so fragment decoding is really tested.
 */
export const EDGE_SIZES = [0, 1, 511, 512, 513, 1023, 1024, 1025, 2047, 2048, 2049, 4095, 4096, 4097, 65536, MiB + 777];

/** Every kind of name a checker must handle, populated through the mount. */
export function variedTree(seed: string): Op[] {
  const bytes = (name: string, n: number): Buffer => seededBytes(`${seed}/${name}`, n);
  return [
    { op: 'mkdir', path: '/sizes' },
    ...EDGE_SIZES.map((n): Op => ({ op: 'write', path: `/sizes/size-${n}`, data: bytes(`size-${n}`, n) })),

    { op: 'mkdir', path: '/deep/a/b/c/d/e/f/g' },
    { op: 'write', path: '/deep/a/b/c/d/e/f/g/leaf.txt', data: bytes('leaf', 300) },

    { op: 'mkdir', path: '/ünïcödé 目录' },
    { op: 'write', path: '/ünïcödé 目录/日本語 ファイル.txt', data: bytes('utf8', 777) },
    { op: 'mkdir', path: '/with space' },
    { op: 'write', path: '/with space/name with spaces.txt', data: bytes('spaces', 100) },
    { op: 'mkdir', path: '/odd' },
    { op: 'write', path: '/odd/line\nbreak', data: bytes('newline', 42) },

    { op: 'mkdir', path: '/links' },
    { op: 'symlink', path: '/links/relative', target: '../sizes/size-513' },
    { op: 'symlink', path: '/links/absolute', target: '/etc/hostname' },
    { op: 'symlink', path: '/links/dangling', target: 'nowhere/missing' },
    { op: 'symlink', path: '/links/to-dir', target: '../deep/a' },
    { op: 'write', path: '/links/hard-a', data: bytes('hard', 1500) },
    { op: 'link', path: '/links/hard-b', existing: '/links/hard-a' },
    { op: 'link', path: '/deep/a/b/hard-across', existing: '/sizes/size-1025' },

    // 6 MiB logical, data only in the first and last 8 KiB: whole stripes in between are holes on every brick.
    { op: 'mkdir', path: '/sparse' },
    { op: 'write', path: '/sparse/holey', data: bytes('holey-head', 8192) },
    { op: 'write', path: '/sparse/holey', data: bytes('holey-tail', 8192), offset: 6 * MiB - 8192 },

    { op: 'mkdir', path: '/edits' },
    { op: 'write', path: '/edits/overwritten', data: bytes('over-base', 65536) },
    { op: 'write', path: '/edits/overwritten', data: bytes('over-patch', 3000), offset: 10000 },
    { op: 'write', path: '/edits/truncated', data: bytes('trunc', 20000) },
    { op: 'truncate', path: '/edits/truncated', size: 7777 },
    { op: 'write', path: '/edits/extended', data: bytes('ext', 700) },
    { op: 'truncate', path: '/edits/extended', size: 3333 },
    { op: 'write', path: '/edits/appended', data: bytes('app-base', 5000) },
    { op: 'write', path: '/edits/appended', data: bytes('app-tail', 3000), offset: 5000 },

    { op: 'mkdir', path: '/xattrs' },
    { op: 'write', path: '/xattrs/tagged', data: bytes('tagged', 64) },
    { op: 'setxattr', path: '/xattrs/tagged', name: 'user.color', value: Buffer.from('blue') },
    { op: 'setxattr', path: '/xattrs/tagged', name: 'user.binary', value: Buffer.from([0x00, 0xff, 0x10, 0x80]) },

    { op: 'mkdir', path: '/special' },
    { op: 'mkfifo', path: '/special/fifo' },
    { op: 'mkdir', path: '/modes' },
    { op: 'write', path: '/modes/private', data: bytes('private', 10), mode: 0o600 },
    { op: 'write', path: '/modes/exec', data: bytes('exec', 10), mode: 0o755 },
    { op: 'mkdir', path: '/modes/locked-dir', mode: 0o700 },
  ];
}

/** The files and directories `missedChanges` works on, created while all bricks are up. */
export function changeBase(seed: string, dir: string): Op[] {
  const file = (name: string, n: number): Op => ({ op: 'write', path: `${dir}/${name}`, data: seededBytes(`${seed}/base/${name}`, n) });
  return [
    { op: 'mkdir', path: `${dir}/sub` },
    { op: 'mkdir', path: `${dir}/dir-to-move/inner` },
    ...['over', 'append', 'del', 'ren', 'chmod', 'keep', 'trunc', 'xattr'].map((n) => file(n, 10240)),
    file('hl-base', 1000),
    file('sub/old', 2),
    file('dir-to-move/inner/file', 513),
    // a few MiB of compressible data whose middle is rewritten while a brick is down
    { op: 'write', path: `${dir}/large`, data: patternBytes(`${seed}/large`, 0, 3 * MiB) },
  ];
}

/** The changes of heal-sources.md §1.9 (plus truncate, links, a directory rename), applied while bricks are down. */
export function missedChanges(seed: string, dir: string): Op[] {
  const data = (name: string, n: number): Buffer => seededBytes(`${seed}/change/${name}`, n);
  return [
    { op: 'write', path: `${dir}/over`, data: data('over', 4096), offset: 2000 },
    { op: 'write', path: `${dir}/append`, data: data('append', 3072), offset: 10240 },
    { op: 'unlink', path: `${dir}/del` },
    { op: 'rename', path: `${dir}/ren`, to: `${dir}/renamed` },
    { op: 'chmod', path: `${dir}/chmod`, mode: 0o600 },
    { op: 'write', path: `${dir}/created`, data: data('created', 8) },
    { op: 'mkdir', path: `${dir}/newdir` },
    { op: 'write', path: `${dir}/sub/new`, data: data('sub-new', 2) },
    { op: 'unlink', path: `${dir}/sub/old` },
    { op: 'truncate', path: `${dir}/trunc`, size: 3000 },
    { op: 'setxattr', path: `${dir}/xattr`, name: 'user.changed', value: Buffer.from('while-down') },
    { op: 'symlink', path: `${dir}/newlink`, target: 'renamed' },
    { op: 'link', path: `${dir}/hl-new`, existing: `${dir}/hl-base` },
    { op: 'rename', path: `${dir}/dir-to-move`, to: `${dir}/dir-moved` },
    { op: 'write', path: `${dir}/large`, data: patternBytes(`${seed}/large-patch`, MiB, 256 * 1024), offset: MiB },
  ];
}

/** changeBase plus what healChanges works on: a directory tree to remove, a file to replace whole. */
export function healBase(seed: string, dir: string): Op[] {
  return [
    ...changeBase(seed, dir),
    { op: 'mkdir', path: `${dir}/tree-old/x/y` },
    { op: 'write', path: `${dir}/tree-old/top`, data: seededBytes(`${seed}/base/tree-top`, 700) },
    { op: 'write', path: `${dir}/tree-old/x/y/leaf`, data: seededBytes(`${seed}/base/tree-leaf`, 5000) },
    { op: 'write', path: `${dir}/replace`, data: seededBytes(`${seed}/base/replace`, 20000) },
  ];
}

/**
 * missedChanges plus a sparse file (4 MiB logical, data only at both ends, so a healer
 * that writes zeros instead of holes shows in the allocation), a directory tree created
 * and one removed, and a file replaced whole with a shorter one.
 */
export function healChanges(seed: string, dir: string): Op[] {
  const data = (name: string, n: number): Buffer => seededBytes(`${seed}/change/${name}`, n);
  return [
    ...missedChanges(seed, dir),
    { op: 'write', path: `${dir}/sparse-new`, data: data('sparse-head', 8192) },
    { op: 'write', path: `${dir}/sparse-new`, data: data('sparse-tail', 8192), offset: 4 * MiB - 8192 },
    { op: 'mkdir', path: `${dir}/tree-new/a/b` },
    { op: 'write', path: `${dir}/tree-new/a/one`, data: data('tree-one', 1500) },
    { op: 'write', path: `${dir}/tree-new/a/b/two`, data: data('tree-two', 70000) },
    { op: 'symlink', path: `${dir}/tree-new/a/b/up`, target: '../one' },
    { op: 'rmtree', path: `${dir}/tree-old` },
    { op: 'write', path: `${dir}/replace`, data: data('replace', 3000) },
  ];
}
