/*
 * No-follow extended attribute calls for gfsck.
 *
 * Why our own binding: on a brick, a user symlink and its .glusterfs hard link carry
 * trusted.gfid on the link itself, so every call must be the l*xattr variant; names on
 * bricks are arbitrary bytes, so paths arrive as Buffers (strings are accepted too);
 * and a failing call must report its errno, so "absent" (ENODATA) stays distinct from
 * ENOENT or EACCES. Attribute names cross the boundary as latin1 strings: one char per
 * byte, lossless both ways.
 */
#include "attrs.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

/* Copies a JS path (Buffer or string) into a fresh NUL-terminated heap string. */
char *take_path(napi_env env, napi_value v) {
  bool is_buffer = false;
  napi_is_buffer(env, v, &is_buffer);
  if (is_buffer) {
    void *data;
    size_t len;
    if (napi_get_buffer_info(env, v, &data, &len) != napi_ok) return NULL;
    if (memchr(data, 0, len) != NULL) {
      napi_throw_type_error(env, "EINVAL", "path contains a NUL byte");
      return NULL;
    }
    char *p = malloc(len + 1);
    memcpy(p, data, len);
    p[len] = 0;
    return p;
  }
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "path must be a Buffer or a string");
    return NULL;
  }
  char *p = malloc(len + 1);
  napi_get_value_string_utf8(env, v, p, len + 1, &len);
  return p;
}

static char *take_latin1(napi_env env, napi_value v) {
  size_t len;
  if (napi_get_value_string_latin1(env, v, NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "attribute name must be a string");
    return NULL;
  }
  char *s = malloc(len + 1);
  napi_get_value_string_latin1(env, v, s, len + 1, &len);
  return s;
}

napi_value errno_error(napi_env env, int err, const char *syscall) {
  napi_value code, msg, error, num;
  const char *name = strerror(err);
  char codebuf[32];
  switch (err) {
    case ENOENT: strcpy(codebuf, "ENOENT"); break;
    case EACCES: strcpy(codebuf, "EACCES"); break;
    case EPERM: strcpy(codebuf, "EPERM"); break;
    case ENOTDIR: strcpy(codebuf, "ENOTDIR"); break;
    case ENOTSUP: strcpy(codebuf, "ENOTSUP"); break;
    case ERANGE: strcpy(codebuf, "ERANGE"); break;
    case ENOSPC: strcpy(codebuf, "ENOSPC"); break;
    case EEXIST: strcpy(codebuf, "EEXIST"); break;
    case ENODATA: strcpy(codebuf, "ENODATA"); break;
    case EIO: strcpy(codebuf, "EIO"); break;
    case EROFS: strcpy(codebuf, "EROFS"); break;
    case ENAMETOOLONG: strcpy(codebuf, "ENAMETOOLONG"); break;
    case ELOOP: strcpy(codebuf, "ELOOP"); break;
    default: snprintf(codebuf, sizeof codebuf, "E%d", err);
  }
  char text[256];
  snprintf(text, sizeof text, "%s: %s", syscall, name);
  napi_create_string_utf8(env, codebuf, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, code, msg, &error);
  napi_create_int32(env, err, &num);
  napi_set_named_property(env, error, "errno", num);
  napi_set_named_property(env, error, "syscall",
                          (napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &msg), msg));
  return error;
}

/* ---- list + get all attributes of one path (the scanner's hot call) ---- */


void attr_set_free(attr_set *s) {
  for (size_t i = 0; i < s->count; i++) free(s->values ? s->values[i] : NULL);
  free(s->values);
  free(s->value_lens);
  free(s->names);
  free(s->path);
  s->values = NULL;
  s->value_lens = NULL;
  s->names = NULL;
  s->path = NULL;
}

/*
 * One value into *buf. Most values are small, so the first call guesses a size and needs no
 * size query: one syscall instead of two per attribute. A value that does not fit (ERANGE)
 * is sized and read again; retries while a concurrent writer grows it.
 */
#define FIRST_GUESS 256
static ssize_t read_value(const char *path, const char *name, char **buf) {
  *buf = realloc(*buf, FIRST_GUESS);
  ssize_t len = lgetxattr(path, name, *buf, FIRST_GUESS);
  for (int attempt = 0; len < 0 && errno == ERANGE && attempt < 8; attempt++) {
    len = lgetxattr(path, name, NULL, 0);
    if (len < 0) return len;
    *buf = realloc(*buf, len > 0 ? len : 1);
    len = lgetxattr(path, name, *buf, len);
  }
  return len;
}

/* Reads every attribute; retries when a concurrent writer grows a list or value (ERANGE). */
void attr_set_read(attr_set *s) {
  /* Same guess-first scheme as read_value: the name list of a brick entry is short. */
  s->names = realloc(s->names, 1024);
  s->names_len = llistxattr(s->path, s->names, 1024);
  for (int attempt = 0; s->names_len < 0 && errno == ERANGE && attempt < 8; attempt++) {
    ssize_t n = llistxattr(s->path, NULL, 0);
    if (n < 0) break;
    s->names = realloc(s->names, n > 0 ? n : 1);
    s->names_len = llistxattr(s->path, s->names, n);
  }
  if (s->names_len < 0) { s->err = errno; s->failed_call = "llistxattr"; return; }
  size_t count = 0;
  for (ssize_t i = 0; i < s->names_len; i++) if (s->names[i] == 0) count++;
  s->values = calloc(count ? count : 1, sizeof(char *));
  s->value_lens = calloc(count ? count : 1, sizeof(ssize_t));
  s->count = count;
  const char *name = s->names;
  for (size_t k = 0; k < count; k++, name += strlen(name) + 1) {
    ssize_t len = read_value(s->path, name, &s->values[k]);
    if (len < 0 && errno == ENODATA) len = -2; /* removed between list and get: skip it */
    else if (len < 0) { s->err = errno; s->failed_call = "lgetxattr"; return; }
    s->value_lens[k] = len;
  }
}

/* Builds [[name, Buffer], ...] in list order. */
napi_value attr_set_to_js(napi_env env, attr_set *s) {
  napi_value out;
  CHECK(napi_create_array(env, &out));
  const char *name = s->names;
  uint32_t j = 0;
  for (size_t k = 0; k < s->count; k++, name += strlen(name) + 1) {
    if (s->value_lens[k] == -2) continue;
    napi_value pair, jsname, jsvalue;
    void *copy;
    CHECK(napi_create_array_with_length(env, 2, &pair));
    CHECK(napi_create_string_latin1(env, name, NAPI_AUTO_LENGTH, &jsname));
    CHECK(napi_create_buffer_copy(env, s->value_lens[k], s->values[k], &copy, &jsvalue));
    CHECK(napi_set_element(env, pair, 0, jsname));
    CHECK(napi_set_element(env, pair, 1, jsvalue));
    CHECK(napi_set_element(env, out, j++, pair));
  }
  return out;
}

static napi_value get_all_sync(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  attr_set s = {0};
  s.path = take_path(env, argv[0]);
  if (!s.path) return NULL;
  attr_set_read(&s);
  napi_value result = NULL;
  if (s.err) napi_throw(env, errno_error(env, s.err, s.failed_call));
  else result = attr_set_to_js(env, &s);
  attr_set_free(&s);
  return result;
}

typedef struct {
  attr_set set;
  napi_async_work work;
  napi_deferred deferred;
} get_all_job;

static void get_all_execute(napi_env env, void *data) {
  (void)env;
  attr_set_read(&((get_all_job *)data)->set);
}

static void get_all_complete(napi_env env, napi_status status, void *data) {
  get_all_job *job = data;
  (void)status;
  if (job->set.err)
    napi_reject_deferred(env, job->deferred, errno_error(env, job->set.err, job->set.failed_call));
  else
    napi_resolve_deferred(env, job->deferred, attr_set_to_js(env, &job->set));
  napi_delete_async_work(env, job->work);
  attr_set_free(&job->set);
  free(job);
}

static napi_value get_all_async(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], promise, name;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  get_all_job *job = calloc(1, sizeof *job);
  job->set.path = take_path(env, argv[0]);
  if (!job->set.path) { free(job); return NULL; }
  CHECK(napi_create_promise(env, &job->deferred, &promise));
  CHECK(napi_create_string_utf8(env, "gfsck.lgetxattrs", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_async_work(env, NULL, name, get_all_execute, get_all_complete, job, &job->work));
  CHECK(napi_queue_async_work(env, job->work));
  return promise;
}

/* ---- single-attribute calls used by repairs ---- */

/* The (path, name) pair every single-attribute call starts with; false once a JS error is thrown. */
typedef struct { char *path; char *name; } path_name;

static bool take_path_name(napi_env env, napi_value path_arg, napi_value name_arg, path_name *out) {
  out->path = take_path(env, path_arg);
  if (!out->path) return false;
  out->name = take_latin1(env, name_arg);
  if (!out->name) { free(out->path); return false; }
  return true;
}

static void path_name_free(path_name *pn) {
  free(pn->name);
  free(pn->path);
}

static napi_value get_one(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], result = NULL;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  path_name pn;
  if (!take_path_name(env, argv[0], argv[1], &pn)) return NULL;
  char *buf = NULL;
  ssize_t len = read_value(pn.path, pn.name, &buf);
  if (len >= 0) {
    void *copy;
    napi_create_buffer_copy(env, len, buf, &copy, &result);
  } else if (errno == ENODATA) {
    napi_get_null(env, &result);
  } else {
    napi_throw(env, errno_error(env, errno, "lgetxattr"));
  }
  free(buf);
  path_name_free(&pn);
  return result;
}

static napi_value set_one(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *data;
  size_t len;
  int32_t flags = 0;
  if (napi_get_buffer_info(env, argv[2], &data, &len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "value must be a Buffer");
    return NULL;
  }
  if (argc > 3) napi_get_value_int32(env, argv[3], &flags);
  path_name pn;
  if (!take_path_name(env, argv[0], argv[1], &pn)) return NULL;
  if (lsetxattr(pn.path, pn.name, data, len, flags) != 0) napi_throw(env, errno_error(env, errno, "lsetxattr"));
  path_name_free(&pn);
  return NULL;
}

static napi_value remove_one(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  path_name pn;
  if (!take_path_name(env, argv[0], argv[1], &pn)) return NULL;
  if (lremovexattr(pn.path, pn.name) != 0) napi_throw(env, errno_error(env, errno, "lremovexattr"));
  path_name_free(&pn);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"getAll", NULL, get_all_sync, NULL, NULL, NULL, napi_default, NULL},
      {"getAllAsync", NULL, get_all_async, NULL, NULL, NULL, napi_default, NULL},
      {"get", NULL, get_one, NULL, NULL, NULL, napi_default, NULL},
      {"set", NULL, set_one, NULL, NULL, NULL, napi_default, NULL},
      {"remove", NULL, remove_one, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  if (!register_dirscan(env, exports)) return NULL;
  return register_extents(env, exports);
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
