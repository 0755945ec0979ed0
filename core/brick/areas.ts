/** Top-level directories of a brick root that are GlusterFS's own, not user data. */

export type Area = 'namespace' | 'shard' | 'anon-inode' | 'trashcan';

const ANON_INODE_PREFIX = Buffer.from('/.glusterfs-anonymous-inode-');
const SHARD = Buffer.from('/.shard');
const TRASHCAN = Buffer.from('/.trashcan');

function isUnder(path: Buffer, top: Buffer): boolean {
  return path.subarray(0, top.length).equals(top) && (path.length === top.length || path[top.length] === 0x2f);
}

export function areaOf(path: Buffer): Area {
  if (isUnder(path, SHARD)) return 'shard';
  if (isUnder(path, TRASHCAN)) return 'trashcan';
  if (path.subarray(0, ANON_INODE_PREFIX.length).equals(ANON_INODE_PREFIX)) return 'anon-inode';
  return 'namespace';
}
