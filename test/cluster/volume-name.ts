/**
 * Bricks remember their volume's name where GlusterFS matches on it: AFR changelog keys
 * (`trusted.afr.<VOL>-client-N`, whose pending counters decide which copy is served) and
 * DHT linkto values (`<VOL>-disperse-N`, `-replicate-N`, `-client-N`: the subvolume that
 * holds the data). To serve bricks under another name both are rewritten, or AFR ignores
 * the pending heals and linkto files point nowhere. trusted.glusterfs.volume-id needs
 * nothing: `volume create … force` writes the new volume's id on each brick root.
 */
import { lstatSync } from 'node:fs';
import { listXattrs, removeXattr, setXattr } from '../../core/fs/xattr.ts';
import { GFID2PATH_PREFIX } from '../../core/xattr/gfid2path.ts';
import { walkBrick } from './brick-tools.ts';

const LINKTO = 'trusted.glusterfs.dht.linkto';
const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface RenameCount {
  afrKeys: number;
  linkto: number;
}

/** Every inode of the bricks once (a file and its .glusterfs handle are one), brick roots included. */
function eachInode(bricks: string[]): string[] {
  const seen = new Set<string>();
  const once = (abs: string, ino: number, dev: number): string[] => {
    const key = `${dev}:${ino}`;
    if (seen.has(key)) return [];
    seen.add(key);
    return [abs];
  };
  return bricks.flatMap((brick) => {
    const root = lstatSync(brick);
    return [...once(brick, root.ino, root.dev), ...walkBrick(brick, true).flatMap((e) => once(e.abs, e.stat.ino, e.stat.dev))];
  });
}

/**
 * Rewrites, in place, every mention of volume `from` on the bricks to `to` (the bricks must
 * not be serving). Anything else that names `from` stops it: serving half-renamed bricks
 * would make a test pass or fail for the wrong reason. gfid2path values are user names and
 * may say anything.
 */
export function renameVolumeOnBricks(bricks: string[], from: string, to: string): RenameCount {
  const count: RenameCount = { afrKeys: 0, linkto: 0 };
  if (from === to) return count;
  const afrKey = new RegExp(`^trusted\\.afr\\.${escapeRegex(from)}(-client-\\d+)$`);
  const linktoValue = new RegExp(`^${escapeRegex(from)}(-[a-z]+-\\d+\\0?)$`);
  for (const path of eachInode(bricks)) {
    for (const [key, value] of listXattrs(path)) {
      const afr = afrKey.exec(key);
      // Set before remove: an interrupted rename leaves both keys, never neither.
      if (afr) {
        setXattr(path, `trusted.afr.${to}${afr[1]}`, value);
        removeXattr(path, key);
        count.afrKeys++;
        continue;
      }
      const linkto = key === LINKTO ? linktoValue.exec(value.toString('latin1')) : null;
      if (linkto) {
        setXattr(path, key, Buffer.from(`${to}${linkto[1]}`, 'latin1'));
        count.linkto++;
        continue;
      }
      if (key.includes(from) || (!key.startsWith(GFID2PATH_PREFIX) && value.includes(from))) {
        throw new Error(`${path}: ${key} names volume ${from} in a way renameVolumeOnBricks does not know`);
      }
    }
  }
  return count;
}
