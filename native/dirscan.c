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
#include <unistd.h>

typedef struct {
  DIR *dir;
  char *path;
  int with_xattrs;
  int busy;
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

typedef struct {
  scanner *s;
  size_t max;
  scan_entry *entries;
  size_t count;
  int err;                 /* readdir failure */
  napi_ref scanner_ref;
  napi_async_work work;
  napi_deferred deferred;
} batch_job;

static void scanner_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  scanner *s = data;
  if (s->dir) closedir(s->dir);
  free(s->path);
  free(s);
}

static napi_value open_scanner(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *path = take_path(env, argv[0]);
  if (!path) return NULL;
  bool with_xattrs = true;
  if (argc > 1) napi_get_value_bool(env, argv[1], &with_xattrs);
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

static void read_entry(scanner *s, const char *name, scan_entry *e) {
  e->name_len = strlen(name);
  e->name = malloc(e->name_len + 1);
  memcpy(e->name, name, e->name_len + 1);
  if (fstatat(dirfd(s->dir), name, &e->st, AT_SYMLINK_NOFOLLOW) != 0) {
    e->stat_err = errno;
    return;
  }
  if (S_ISLNK(e->st.st_mode)) {
    size_t cap = e->st.st_size > 0 ? (size_t)e->st.st_size + 1 : 256;
    e->target = malloc(cap);
    e->target_len = readlinkat(dirfd(s->dir), name, e->target, cap);
    if (e->target_len < 0) e->read_err = errno;
  }
  if (s->with_xattrs) {
    e->attrs.path = join(s->path, name);
    attr_set_read(&e->attrs);
  }
}

static void batch_execute(napi_env env, void *data) {
  (void)env;
  batch_job *job = data;
  job->entries = calloc(job->max, sizeof(scan_entry));
  while (job->count < job->max) {
    errno = 0;
    struct dirent *d = readdir(job->s->dir);
    if (!d) {
      job->err = errno;
      break;
    }
    if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0) continue;
    read_entry(job->s, d->d_name, &job->entries[job->count++]);
  }
}

static napi_value bigint(napi_env env, uint64_t v) {
  napi_value out;
  napi_create_bigint_uint64(env, v, &out);
  return out;
}

static napi_value number(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

static napi_value entry_to_js(napi_env env, scan_entry *e) {
  napi_value obj, name, value;
  void *copy;
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_create_buffer_copy(env, e->name_len, e->name, &copy, &name));
  napi_set_named_property(env, obj, "name", name);
  if (e->stat_err) {
    napi_set_named_property(env, obj, "error", errno_error(env, e->stat_err, "lstat"));
    return obj;
  }
  const struct stat *st = &e->st;
  napi_set_named_property(env, obj, "mode", number(env, st->st_mode));
  napi_set_named_property(env, obj, "uid", number(env, st->st_uid));
  napi_set_named_property(env, obj, "gid", number(env, st->st_gid));
  napi_set_named_property(env, obj, "nlink", number(env, st->st_nlink));
  napi_set_named_property(env, obj, "size", bigint(env, st->st_size));
  napi_set_named_property(env, obj, "blocks", bigint(env, st->st_blocks));
  napi_set_named_property(env, obj, "ino", bigint(env, st->st_ino));
  napi_set_named_property(env, obj, "mtimeNs", bigint(env, (uint64_t)st->st_mtim.tv_sec * 1000000000ull + st->st_mtim.tv_nsec));
  napi_set_named_property(env, obj, "ctimeNs", bigint(env, (uint64_t)st->st_ctim.tv_sec * 1000000000ull + st->st_ctim.tv_nsec));
  if (e->target && e->target_len >= 0) {
    CHECK(napi_create_buffer_copy(env, e->target_len, e->target, &copy, &value));
    napi_set_named_property(env, obj, "target", value);
  } else if (e->read_err) {
    napi_set_named_property(env, obj, "error", errno_error(env, e->read_err, "readlink"));
  }
  if (e->attrs.path) {
    if (e->attrs.err)
      napi_set_named_property(env, obj, "error", errno_error(env, e->attrs.err, e->attrs.failed_call));
    else
      napi_set_named_property(env, obj, "xattrs", attr_set_to_js(env, &e->attrs));
  }
  return obj;
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
    napi_value arr;
    napi_create_array_with_length(env, job->count, &arr);
    for (size_t i = 0; i < job->count; i++) napi_set_element(env, arr, i, entry_to_js(env, &job->entries[i]));
    napi_resolve_deferred(env, job->deferred, arr);
  }
  for (size_t i = 0; i < job->count; i++) {
    free(job->entries[i].name);
    free(job->entries[i].target);
    attr_set_free(&job->entries[i].attrs);
  }
  free(job->entries);
  job->s->busy = 0;
  napi_delete_reference(env, job->scanner_ref);
  napi_delete_async_work(env, job->work);
  free(job);
}

/* readBatch(scanner, max): Promise of up to max entries, or null at the end. */
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
    closedir(s->dir);
    s->dir = NULL;
  }
  return NULL;
}

napi_value register_dirscan(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"openScanner", NULL, open_scanner, NULL, NULL, NULL, napi_default, NULL},
      {"readBatch", NULL, read_batch, NULL, NULL, NULL, napi_default, NULL},
      {"closeScanner", NULL, close_scanner, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}
