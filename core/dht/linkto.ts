/**
 * A DHT linkto file (brick-layout.md §4.6): a pointer to the subvolume that holds the data,
 * recognised by both marks DHT sets, a regular file whose mode is exactly the sticky bit
 * and a valid trusted.glusterfs.dht.linkto. Never data, never a name of its own.
 */
export function isLinktoFile(type: string, mode: number, hasLinkto: boolean): boolean {
  return type === 'file' && mode === 0o1000 && hasLinkto;
}
