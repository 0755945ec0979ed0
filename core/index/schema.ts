/**
 * The catalog's tables. Documented for admins in docs/catalog.md; keep the two in step.
 * Paths and names are BLOBs (brick names are bytes); gfids are canonical text.
 */
export const SCHEMA_VERSION = 5;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS bricks (
  id          INTEGER PRIMARY KEY,
  position    INTEGER NOT NULL,           -- index in volume order, as given
  root        BLOB NOT NULL UNIQUE,       -- absolute brick directory
  set_index   INTEGER NOT NULL,           -- replica/disperse set (DHT subvolume)
  set_member  INTEGER NOT NULL,           -- index inside the set (EC fragment index)
  volume_id   TEXT,
  state       TEXT NOT NULL DEFAULT 'new',-- new | scanning | complete
  scan_gen    INTEGER NOT NULL DEFAULT 0,
  handles_done INTEGER NOT NULL DEFAULT 0,-- first-level .glusterfs buckets finished (0..256)
  started_at  TEXT,
  finished_at TEXT
);

CREATE TABLE IF NOT EXISTS entries (
  id          INTEGER PRIMARY KEY,
  brick_id    INTEGER NOT NULL REFERENCES bricks(id),
  path        BLOB NOT NULL,              -- volume path: '/' or '/a/b'
  parent_gfid TEXT,                       -- gfid of the directory holding it
  name        BLOB NOT NULL,
  area        TEXT NOT NULL,              -- namespace | shard | anon-inode | trashcan
  type        TEXT NOT NULL,              -- file dir symlink fifo socket chardev blockdev
  mode        INTEGER NOT NULL,
  uid         INTEGER NOT NULL,
  gid         INTEGER NOT NULL,
  size        INTEGER NOT NULL,           -- on-brick st_size (an EC fragment's length)
  blocks      INTEGER NOT NULL,
  mtime_ns    INTEGER NOT NULL,
  ctime_ns    INTEGER NOT NULL,
  nlink       INTEGER NOT NULL,
  inode       INTEGER NOT NULL,
  target      BLOB,                       -- symlink target, verbatim
  gfid        TEXT,                       -- trusted.gfid, NULL if missing or malformed
  ec_config   TEXT,                       -- 'K+R' from trusted.ec.config
  ec_size     INTEGER,
  ec_version_data INTEGER,                -- bit 62 (heal flag) included, as stored
  ec_version_meta INTEGER,
  ec_healing  INTEGER NOT NULL DEFAULT 0,
  ec_dirty_data INTEGER,
  ec_dirty_meta INTEGER,
  linkto      TEXT,                       -- trusted.glusterfs.dht.linkto subvolume
  shard_size  INTEGER,                    -- logical size of a sharded file
  xattr_suspect INTEGER NOT NULL,         -- 1: a malformed value or a non-zero AFR counter
  g2p_own     INTEGER NOT NULL,           -- 1: exactly one gfid2path, the one this name calls for
  xattrs      TEXT NOT NULL,              -- JSON: every xattr's raw bytes as hex, by name
  scan_gen    INTEGER NOT NULL,
  UNIQUE (path, brick_id)                 -- path first: also the index of cross-brick lookups by path
);

-- Every xattr of every entry, raw, as rows (a view over the JSON column). \`value\` needs
-- SQLite 3.41 (unhex); \`hex\` reads anywhere, Debian 12's sqlite3 included.
CREATE VIEW IF NOT EXISTS xattrs (entry_id, name, hex, value) AS
  SELECT e.id, j.key, j.value, unhex(j.value)
  FROM entries e, json_each(e.xattrs) j;

CREATE TABLE IF NOT EXISTS handles (
  brick_id   INTEGER NOT NULL REFERENCES bricks(id),
  bucket     TEXT NOT NULL,               -- 'xx/yy'
  name       BLOB NOT NULL,               -- normally a gfid text
  type       TEXT NOT NULL,
  nlink      INTEGER NOT NULL,
  inode      INTEGER NOT NULL,
  size       INTEGER NOT NULL,
  target     BLOB,                        -- directory handles: symlink target
  gfid       TEXT,                        -- trusted.gfid of the inode, when it has one
  xattrs     TEXT,                        -- raw JSON as in entries, kept for inodes no name holds
  scan_gen   INTEGER NOT NULL             -- (brick_id, bucket, name) is unique: see HANDLE_INDEXES
);

CREATE TABLE IF NOT EXISTS heal_index (
  brick_id INTEGER NOT NULL REFERENCES bricks(id),
  kind     TEXT NOT NULL,                 -- xattrop | dirty | entry-changes
  gfid     TEXT NOT NULL,                 -- the inode; for entry-changes the parent directory
  name     BLOB,                          -- entry-changes: the changed name
  scan_gen INTEGER NOT NULL,
  PRIMARY KEY (brick_id, kind, gfid, name)
);

CREATE TABLE IF NOT EXISTS walk_queue (
  brick_id INTEGER NOT NULL REFERENCES bricks(id),
  path     BLOB NOT NULL,
  gfid     TEXT,
  PRIMARY KEY (brick_id, path)
);

CREATE TABLE IF NOT EXISTS scan_errors (
  brick_id INTEGER NOT NULL REFERENCES bricks(id),
  path     BLOB NOT NULL,                 -- relative to the brick root
  syscall  TEXT NOT NULL,
  code     TEXT NOT NULL,                 -- errno name
  scan_gen INTEGER NOT NULL,
  PRIMARY KEY (brick_id, path, syscall)
);

CREATE TABLE IF NOT EXISTS findings (
  id       INTEGER PRIMARY KEY,
  code     TEXT NOT NULL,
  severity TEXT NOT NULL,
  brick_id INTEGER REFERENCES bricks(id),
  path     BLOB,
  gfid     TEXT,
  message  TEXT NOT NULL,
  fix      TEXT NOT NULL,
  detail   TEXT                           -- JSON
);
CREATE INDEX IF NOT EXISTS findings_code ON findings (code);
`;

/**
 * Lookup indexes on entries, built once the namespace is in: a bulk load into an unindexed
 * table and one index build are much faster than keeping two more B-trees current per row.
 */
export const ENTRY_INDEXES = `
CREATE INDEX IF NOT EXISTS entries_gfid ON entries (gfid, brick_id, inode); -- covering: handle checks match gfid and inode
CREATE INDEX IF NOT EXISTS entries_inode ON entries (brick_id, inode);
`;

/**
 * The same for the handle tree, once it is walked (a new scan generation starts with none of
 * the brick's rows). handles_name covers what the checks read of an entry's handle: joining
 * every entry with its handle then costs one index probe, not a probe and a table read.
 * (brick_id, bucket, name) is unique, as names in a directory are.
 */
export const HANDLE_INDEXES = `
CREATE INDEX IF NOT EXISTS handles_name ON handles (brick_id, bucket, name, inode, type, nlink, target);
`;

/** SQL for the handle bucket (`xx/yy`) of a gfid given as text by `gfidText`, as the handles table stores it. */
export function handleBucketSql(gfidText: string): string {
  return `substr(${gfidText}, 1, 2) || '/' || substr(${gfidText}, 3, 2)`;
}

/** Handles by inode: only repair planning asks that, so it builds the index (inspect does not pay for it). */
export const HANDLE_INODE_INDEX = `CREATE INDEX IF NOT EXISTS handles_inode ON handles (brick_id, inode)`;
