/**
 * Every finding gfsck can report, in one table (after e2fsck's problem table): the code,
 * its severity, the message template, and whether and how it can be fixed. Text output,
 * `--json`, docs/problems.md and the tests all read from here.
 *
 * Templates use {name} placeholders filled from a finding's variables.
 */

export type Severity = 'error' | 'warning' | 'info';

/** Who can fix it: a gfsck command, GlusterFS itself, or a human decision. */
export type FixBy = 'rebuild-handles' | 'heal' | 'glusterfs' | 'manual' | 'none';

export interface Problem {
  severity: Severity;
  pass: PassName;
  message: string;
  fixBy: FixBy;
  fix: string;
}

export type PassName = 'root' | 'entries' | 'handles' | 'indices' | 'sets';

export const PASSES: ReadonlyArray<{ name: PassName; title: string }> = [
  { name: 'root', title: 'Pass 1: brick roots' },
  { name: 'entries', title: 'Pass 2: entries and their xattrs' },
  { name: 'handles', title: 'Pass 3: the .glusterfs handle tree' },
  { name: 'indices', title: 'Pass 4: heal indices' },
  { name: 'sets', title: 'Pass 5: bricks of one set compared' },
];

const p = (severity: Severity, pass: PassName, message: string, fixBy: FixBy, fix: string): Problem => ({ severity, pass, message, fixBy, fix });

export const PROBLEMS = {
  // Pass 1: roots
  SCAN_ERROR: p('error', 'root', '{path}: {syscall} failed ({errno})', 'manual', 'check permissions and the filesystem; rerun the scan'),
  ROOT_VOLUME_ID_MISSING: p('error', 'root', 'brick root has no trusted.glusterfs.volume-id: the brick will not start', 'manual', 'set trusted.glusterfs.volume-id to the volume id (gluster volume info)'),
  ROOT_VOLUME_ID_DIFFERS: p('error', 'root', 'volume-id {volumeId} differs from {expected} on the other bricks', 'manual', 'check the brick belongs to this volume; set the volume id only if it does'),
  ROOT_GFID_WRONG: p('error', 'root', 'brick root gfid is {gfid}, not the root gfid: the brick will not start', 'manual', 'set trusted.gfid of the root to 00000000-0000-0000-0000-000000000001'),
  ROOT_HANDLE_MISSING: p('warning', 'root', 'root handle .glusterfs/00/00/{rootGfid} is missing', 'glusterfs', 'recreated at the next brick start'),
  ROOT_HANDLE_BAD: p('error', 'root', 'root handle is {found}, not a symlink to ../../..: the brick will not start', 'rebuild-handles', 'gfsck rebuild --handles recreates it as a symlink to ../../..'),

  // Pass 2: entries
  GFID_MISSING: p('error', 'entries', '{path} has no trusted.gfid', 'manual', 'set the gfid the other bricks of the set use for this name; a lookup would invent a new one'),
  XATTR_MALFORMED: p('error', 'entries', '{path}: {xattr} is malformed ({reason})', 'manual', 'compare with the other bricks of the set; heal rewrites EC/AFR counters'),
  GFID2PATH_MISSING: p('warning', 'entries', '{path} has no trusted.gfid2path xattr for its name', 'rebuild-handles', 'gfsck rebuild --handles recreates it'),
  GFID2PATH_BAD_KEY: p('warning', 'entries', '{path}: {xattr} does not match the XXH64 of its value (expected {expectedKey})', 'rebuild-handles', 'gfsck rebuild --handles rewrites it under the right key'),
  GFID2PATH_STALE: p('warning', 'entries', '{path}: gfid2path names {recorded}, where no name of this inode is', 'manual', 'left from a rename or unlink; harmless for I/O, misleads gfid-to-path lookups'),
  EC_XATTRS_MISSING: p('error', 'entries', '{path}: disperse file without {missing}', 'heal', 'gfsck heal --sources shows the plan; gfsck heal --apply rewrites it from the other bricks of the set'),
  EC_CONFIG_MISMATCH: p('error', 'entries', '{path}: trusted.ec.config says {found}, the volume is {expected}', 'manual', 'the file is rejected with EIO; check the layout given to gfsck'),
  EC_FRAGMENT_SIZE: p('error', 'entries', '{path}: fragment is {actual} bytes, ec.size {ecSize} implies {expected}', 'heal', 'the unhealable signature: gfsck heal --sources explains it; gfsck heal --apply keeps what ec.size records, --apply --trust-fragments keeps all the fragments hold'),
  EC_DIRTY: p('warning', 'entries', '{path}: trusted.ec.dirty is {dirty} (a transaction never closed)', 'heal', 'heal pending: gfsck heal --apply (volume stopped) or gluster volume heal'),
  EC_HEALING: p('warning', 'entries', '{path}: the heal flag (bit 62) is set in trusted.ec.version: this fragment is being rebuilt', 'heal', 'never a source; gfsck heal --apply finishes the rebuild'),
  AFR_DIRTY: p('warning', 'entries', '{path}: trusted.afr.dirty is {counters}', 'heal', 'heal pending: gfsck heal --apply (volume stopped) or gluster volume heal'),
  AFR_PENDING: p('warning', 'entries', '{path}: this brick accuses {client} of missing {counters} (data/metadata/entry)', 'heal', 'heal pending: gfsck heal --sources shows the direction'),
  DHT_LINKTO: p('info', 'entries', '{path} is a DHT linkto file pointing to {subvolume}', 'none', 'normal after renames; never a data source'),

  // Pass 3: handle tree
  HANDLE_MISSING: p('error', 'handles', '{path} has no handle {handle}', 'rebuild-handles', 'gfsck rebuild --handles links it'),
  HANDLE_WRONG_INODE: p('error', 'handles', 'handle {handle} is not the inode of {path}', 'rebuild-handles', 'gfsck rebuild --handles replaces it with a hard link of the name'),
  HANDLE_WRONG_TYPE: p('error', 'handles', 'handle {handle} of {path} is a {found}, expected a {expected}', 'rebuild-handles', 'gfsck rebuild --handles replaces it'),
  HANDLE_IS_DIRECTORY: p('error', 'handles', 'handle {handle} is a real directory: gfid access acts on it instead of {path}', 'rebuild-handles', 'gfsck rebuild --handles moves it aside and recreates the symlink'),
  DIR_HANDLE_DANGLING: p('error', 'handles', 'directory handle {handle} -> {target} does not lead to {path}', 'rebuild-handles', 'gfsck rebuild --handles rewrites the symlink from the real parent and name'),
  DIR_HANDLE_MALFORMED: p('error', 'handles', 'directory handle {handle} -> {target} is not a well-formed handle link', 'rebuild-handles', 'gfsck rebuild --handles rewrites the symlink'),
  HANDLE_ORPHAN: p('warning', 'handles', 'orphan handle {handle} ({type}, {size} bytes): no name on this brick; last known as {lastNames}', 'rebuild-handles', 'it may hold the only copy of the data: gfsck rebuild --handles --adopt DIR saves it; never delete it blindly'),
  HANDLE_GFID_MISMATCH: p('error', 'handles', 'handle {handle} links an inode whose trusted.gfid is {gfid} ({path})', 'rebuild-handles', 'a stale alias: gfsck rebuild --handles moves it aside once no name uses that gfid'),
  HANDLE_WRONG_BUCKET: p('error', 'handles', '{handle} sits in the wrong bucket: GlusterFS never finds it', 'rebuild-handles', 'gfsck rebuild --handles moves it to {expected}'),
  HANDLE_BAD_NAME: p('warning', 'handles', '{handle} is not named after a gfid', 'manual', 'not created by GlusterFS; inspect and move it out of .glusterfs'),
  GFID_DUPLICATE: p('error', 'handles', 'gfid {gfid} is shared by different inodes: {paths}', 'manual', 'give one of them a new gfid, consistently on every brick of the set'),

  // Pass 4: heal indices
  HEAL_PENDING: p('warning', 'indices', '{path} is listed in indices/{kind}', 'heal', 'heal pending: gfsck heal --apply (volume stopped) or gluster volume heal'),
  HEAL_PENDING_ENTRY: p('warning', 'indices', 'name {path} changed while a brick was down (indices/entry-changes)', 'heal', 'entry heal pending: gfsck heal --apply (volume stopped) or gluster volume heal'),
  HEAL_INDEX_UNKNOWN: p('info', 'indices', 'indices/{kind} lists gfid {gfid}, which is not on this brick', 'none', 'GlusterFS purges such entries at the next crawl'),

  // Pass 5: bricks of a set compared
  SET_ENTRY_MISSING: p('warning', 'sets', '{path} is missing on {missingBricks} (present on {presentBricks})', 'heal', 'gfsck heal --apply creates it there from the bricks that have it'),
  SET_STALE_NAME: p('warning', 'sets', '{path} is only on {presentBricks} ({why}): a name removed or renamed while those bricks were down', 'heal', 'gfsck heal --apply moves the stale name aside into the brick\'s quarantine; GlusterFS\'s own heal deletes it'),
  SET_GFID_MISMATCH: p('error', 'sets', '{path} has different gfids across the set: {gfids}', 'manual', 'gfid split-brain: keep the gfid of the majority; gfsck heal --sources shows it'),
  SET_TYPE_MISMATCH: p('error', 'sets', '{path} has different types across the set: {types}', 'manual', 'decide which type is right; heal cannot'),
  EC_VERSION_MISMATCH: p('warning', 'sets', '{path}: EC data version/size differ across the set: {groups}', 'heal', 'stale fragments on {stale}: gfsck heal --apply rewrites them'),
  EC_CONFIG_DISAGREE: p('error', 'sets', '{path}: trusted.ec.config differs across the set: {configs}', 'manual', 'bricks with the wrong config are rejected; check the brick order'),
  EC_UNHEALABLE: p('error', 'sets', '{path}: fewer than {k} bricks agree on version, size and fragment length: GlusterFS cannot heal it', 'heal', 'gfsck heal --sources says why and whether it can be repaired; gfsck rebuild --out recovers what can be read'),
  SET_METADATA_MISMATCH: p('warning', 'sets', '{path}: {what} differ across the set: {values}', 'heal', 'gfsck heal --apply copies the majority\'s metadata to the others'),
  AFR_SPLIT_BRAIN: p('error', 'sets', '{path}: replica bricks accuse each other ({matrix}): {kind} split-brain', 'manual', 'gfsck heal --sources shows each copy and what every --policy keeps; gfsck heal --apply --policy P settles it'),
  DHT_MISPLACED: p('warning', 'sets', '{path} is on subvolume {found}, its name hashes to {hashed}, and no linkto points to it', 'glusterfs', 'DHT creates the linkto on lookup; rebalance moves the data'),
  DHT_STALE_LINKTO: p('warning', 'sets', 'linkto {path} points to {subvolume}, which has no file with gfid {gfid}', 'glusterfs', 'DHT removes stale linkto files on lookup'),
} as const satisfies Record<string, Problem>;

export type ProblemCode = keyof typeof PROBLEMS;

export function formatMessage(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in vars ? String(vars[key]) : whole));
}
