/*
 * Batched directory scanning for the brick walker.
 *
 * Why: reading a brick costs a readdir, an lstat, a readlink and a handful of xattr calls
 * per entry. Issued one promise at a time from JavaScript, the thread-pool round trips
 * dominate; here one work item reads a whole batch of entries of one directory on the
 * thread pool, and several directories proceed at once. A scanner keeps its DIR open
 * between batches, so a directory of millions of entries is read in bounded pieces.
 */
#include "attrs.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdint.h>
#include <unistd.h>

typedef struct {
  DIR *dir;
  char *path;
  int with_xattrs;
  int busy;
  /* Two-level mode (the handle tree's xx/yy buckets): the subdirectory being read. */
  int two_levels;
  DIR *sub;
  char *sub_name;
  char *sub_path;
} scanner;

typedef struct {
  char *name;
  size_t name_len;
  struct stat st;
  int stat_err;
  char *target;
  ssize_t target_len;
  int read_err;            /* readlink failure */
  attr_set attrs;          /* attrs.err holds an xattr failure */
} scan_entry;

/* A growable byte buffer for the packed batch. */
typedef struct { unsigned char *data; size_t len, cap; } packer;

typedef struct {
  scanner *s;
  size_t max;
  size_t count;
  packer packed;           /* the batch, packed on the thread pool */
  int err;                 /* readdir failure */
  napi_ref scanner_ref;
  napi_async_work work;
  napi_deferred deferred;
} batch_job;

static void close_sub(scanner *s) {
  if (s->sub) closedir(s->sub);
  free(s->sub_name);
  free(s->sub_path);
  s->sub = NULL;
  s->sub_name = NULL;
  s->sub_path = NULL;
}

static void scanner_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  scanner *s = data;
  close_sub(s);
  if (s->dir) closedir(s->dir);
  free(s->path);
  free(s);
}

static napi_value open_scanner(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *path = take_path(env, argv[0]);
  if (!path) return NULL;
  bool with_xattrs = true, two_levels = false;
  if (argc > 1) napi_get_value_bool(env, argv[1], &with_xattrs);
  if (argc > 2) napi_get_value_bool(env, argv[2], &two_levels);
  DIR *dir = opendir(path);
  if (!dir) {
    napi_throw(env, errno_error(env, errno, "opendir"));
    free(path);
    return NULL;
  }
  scanner *s = calloc(1, sizeof *s);
  s->dir = dir;
  s->path = path;
  s->with_xattrs = with_xattrs;
  s->two_levels = two_levels;
  CHECK(napi_create_external(env, s, scanner_finalize, NULL, &result));
  return result;
}

static char *join(const char *dir, const char *name) {
  size_t a = strlen(dir), b = strlen(name);
  char *p = malloc(a + b + 2);
  memcpy(p, dir, a);
  p[a] = '/';
  memcpy(p + a + 1, name, b + 1);
  return p;
}

/* Reads `name` inside the open directory `dir` (path `dir_path`); reported as `shown`. */
static void read_entry(scanner *s, DIR *dir, const char *dir_path, const char *name, const char *shown, scan_entry *e) {
  e->name_len = strlen(shown);
  e->name = malloc(e->name_len + 1);
  memcpy(e->name, shown, e->name_len + 1);
  if (fstatat(dirfd(dir), name, &e->st, AT_SYMLINK_NOFOLLOW) != 0) {
    e->stat_err = errno;
    return;
  }
  if (S_ISLNK(e->st.st_mode)) {
    size_t cap = e->st.st_size > 0 ? (size_t)e->st.st_size + 1 : 256;
    e->target = malloc(cap);
    e->target_len = readlinkat(dirfd(dir), name, e->target, cap);
    if (e->target_len < 0) e->read_err = errno;
  }
  if (s->with_xattrs) {
    e->attrs.path = join(dir_path, name);
    attr_set_read(&e->attrs);
  }
}

static int is_dot(const char *name) {
  return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/*
 * Two-level mode: the entries of every subdirectory, named "sub/name": one work item reads
 * a whole .glusterfs/xx (its 256 yy buckets) instead of one per bucket. A non-directory at
 * the top level is reported as itself.
 */
static int next_two_level(scanner *s, scan_entry *e, int *err) {
  for (;;) {
    if (s->sub) {
      errno = 0;
      struct dirent *d = readdir(s->sub);
      if (d) {
        if (is_dot(d->d_name)) continue;
        char *shown = join(s->sub_name, d->d_name);
        read_entry(s, s->sub, s->sub_path, d->d_name, shown, e);
        free(shown);
        return 1;
      }
      close_sub(s);
    }
    errno = 0;
    struct dirent *d = readdir(s->dir);
    if (!d) {
      *err = errno;
      return 0;
    }
    if (is_dot(d->d_name)) continue;
    char *sub_path = join(s->path, d->d_name);
    DIR *sub = (d->d_type == DT_DIR || d->d_type == DT_UNKNOWN) ? opendir(sub_path) : NULL;
    if (!sub) {
      free(sub_path);
      read_entry(s, s->dir, s->path, d->d_name, d->d_name, e);
      return 1;
    }
    s->sub = sub;
    s->sub_path = sub_path;
    s->sub_name = strdup(d->d_name);
  }
}

static void put(packer *p, const void *src, size_t n) {
  if (p->len + n > p->cap) {
    while (p->len + n > p->cap) p->cap = p->cap ? p->cap * 2 : 65536;
    p->data = realloc(p->data, p->cap);
  }
  memcpy(p->data + p->len, src, n);
  p->len += n;
}
static void put_u16(packer *p, uint16_t v) { put(p, &v, 2); }
static void put_u32(packer *p, uint32_t v) { put(p, &v, 4); }
static void put_i32(packer *p, int32_t v) { put(p, &v, 4); }
static void put_u64(packer *p, uint64_t v) { put(p, &v, 8); }

#define ABSENT 0xffffffffu

/*
 * One batch as a single buffer (native byte order), parsed by core/fs/dirscan.ts; building
 * a dozen JS properties per entry from C costs more than the whole read.
 *   u32 count; per entry: u16 name_len, name; i32 lstat_errno;
 *   if lstat ok: u32 mode, uid, gid, nlink; u64 size, blocks, ino, mtime_ns, ctime_ns;
 *     i32 readlink_errno; u32 target_len (ABSENT: none), target;
 *     i32 xattr_errno; u8 failed_call (0 llistxattr, 1 lgetxattr);
 *     u32 xattr_count (ABSENT: not read); per xattr: u16 name_len, name, u32 value_len, value.
 */
static void pack_entry(packer *p, scan_entry *e) {
  put_u16(p, (uint16_t)e->name_len);
  put(p, e->name, e->name_len);
  put_i32(p, e->stat_err);
  if (e->stat_err) return;
  const struct stat *st = &e->st;
  put_u32(p, st->st_mode);
  put_u32(p, st->st_uid);
  put_u32(p, st->st_gid);
  put_u32(p, (uint32_t)st->st_nlink);
  put_u64(p, (uint64_t)st->st_size);
  put_u64(p, (uint64_t)st->st_blocks);
  put_u64(p, (uint64_t)st->st_ino);
  put_u64(p, (uint64_t)st->st_mtim.tv_sec * 1000000000ull + (uint64_t)st->st_mtim.tv_nsec);
  put_u64(p, (uint64_t)st->st_ctim.tv_sec * 1000000000ull + (uint64_t)st->st_ctim.tv_nsec);
  put_i32(p, e->read_err);
  if (e->target && e->target_len >= 0) {
    put_u32(p, (uint32_t)e->target_len);
    put(p, e->target, e->target_len);
  } else {
    put_u32(p, ABSENT);
  }
  attr_set *a = &e->attrs;
  put_i32(p, a->err);
  unsigned char call = a->failed_call && strcmp(a->failed_call, "lgetxattr") == 0;
  put(p, &call, 1);
  if (!a->path || a->err) {
    put_u32(p, ABSENT);
    return;
  }
  uint32_t present = 0;
  for (size_t k = 0; k < a->count; k++) if (a->value_lens[k] >= 0) present++;
  put_u32(p, present);
  const char *name = a->names;
  for (size_t k = 0; k < a->count; k++, name += strlen(name) + 1) {
    if (a->value_lens[k] < 0) continue;
    size_t n = strlen(name);
    put_u16(p, (uint16_t)n);
    put(p, name, n);
    put_u32(p, (uint32_t)a->value_lens[k]);
    put(p, a->values[k], a->value_lens[k]);
  }
}

/*
 * Reads and packs up to `max` entries on the thread pool: the main thread, which writes the
 * catalog and bounds the scan, only wraps the finished buffer.
 */
static void batch_execute(napi_env env, void *data) {
  (void)env;
  batch_job *job = data;
  scanner *s = job->s;
  packer *p = &job->packed;
  put_u32(p, 0); /* the count, filled in below */
  while (job->count < job->max) {
    scan_entry e = {0};
    if (s->two_levels) {
      if (!next_two_level(s, &e, &job->err)) break;
    } else {
      errno = 0;
      struct dirent *d = readdir(s->dir);
      if (!d) {
        job->err = errno;
        break;
      }
      if (is_dot(d->d_name)) continue;
      read_entry(s, s->dir, s->path, d->d_name, d->d_name, &e);
    }
    pack_entry(p, &e);
    free(e.name);
    free(e.target);
    attr_set_free(&e.attrs);
    job->count++;
  }
  uint32_t count = (uint32_t)job->count;
  memcpy(p->data, &count, sizeof count);
}

static void free_packed(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static void batch_complete(napi_env env, napi_status status, void *data) {
  batch_job *job = data;
  (void)status;
  if (job->err && job->count == 0) {
    napi_reject_deferred(env, job->deferred, errno_error(env, job->err, "readdir"));
  } else if (job->count == 0) {
    napi_value null_value;
    napi_get_null(env, &null_value);
    napi_resolve_deferred(env, job->deferred, null_value);
  } else {
    napi_value buffer;
    napi_create_external_buffer(env, job->packed.len, job->packed.data, free_packed, NULL, &buffer);
    job->packed.data = NULL; /* the buffer owns it now */
    napi_resolve_deferred(env, job->deferred, buffer);
  }
  free(job->packed.data);
  job->s->busy = 0;
  napi_delete_reference(env, job->scanner_ref);
  napi_delete_async_work(env, job->work);
  free(job);
}

/* readBatch(scanner, max): Promise of a packed batch of up to max entries, or null at the end. */
static napi_value read_batch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], promise, name;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  scanner *s;
  CHECK(napi_get_value_external(env, argv[0], (void **)&s));
  uint32_t max = 256;
  if (argc > 1) napi_get_value_uint32(env, argv[1], &max);
  if (!s->dir || s->busy) {
    napi_throw_error(env, "EBUSY", "scanner is closed or already reading");
    return NULL;
  }
  batch_job *job = calloc(1, sizeof *job);
  job->s = s;
  job->max = max > 0 ? max : 1;
  s->busy = 1;
  CHECK(napi_create_reference(env, argv[0], 1, &job->scanner_ref)); /* keep the DIR alive */
  CHECK(napi_create_promise(env, &job->deferred, &promise));
  CHECK(napi_create_string_utf8(env, "gfsck.readBatch", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_async_work(env, NULL, name, batch_execute, batch_complete, job, &job->work));
  CHECK(napi_queue_async_work(env, job->work));
  return promise;
}

static napi_value close_scanner(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  scanner *s;
  CHECK(napi_get_value_external(env, argv[0], (void **)&s));
  if (s->dir && !s->busy) {
    close_sub(s);
    closedir(s->dir);
    s->dir = NULL;
  }
  return NULL;
}

static void free_aligned(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

/*
 * alignedBuffer(bytes): an ArrayBuffer on a 4096-byte boundary, as O_DIRECT reads require
 * (V8 gives no alignment guarantee). Zero-filled.
 */
static napi_value aligned_buffer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t bytes = 0;
  CHECK(napi_get_value_int64(env, argv[0], &bytes));
  void *data = NULL;
  if (bytes <= 0 || posix_memalign(&data, 4096, (size_t)bytes) != 0) {
    napi_throw_range_error(env, "ENOMEM", "cannot allocate an aligned buffer");
    return NULL;
  }
  memset(data, 0, (size_t)bytes);
  CHECK(napi_create_external_arraybuffer(env, data, (size_t)bytes, free_aligned, NULL, &result));
  return result;
}

napi_value register_dirscan(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"openScanner", NULL, open_scanner, NULL, NULL, NULL, napi_default, NULL},
      {"readBatch", NULL, read_batch, NULL, NULL, NULL, napi_default, NULL},
      {"closeScanner", NULL, close_scanner, NULL, NULL, NULL, napi_default, NULL},
      {"alignedBuffer", NULL, aligned_buffer, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}
