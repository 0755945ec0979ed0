/* Shared pieces of gfsck's native module: attribute sets, path and error helpers. */
#ifndef GFSCK_ATTRS_H
#define GFSCK_ATTRS_H
#define NAPI_VERSION 8
#include <node_api.h>
#include <sys/types.h>

#define CHECK(call)                                                                    \
  do {                                                                                 \
    if ((call) != napi_ok) return NULL;                                                \
  } while (0)

/* Every attribute of one path, read with the no-follow calls. */
typedef struct {
  char *path;
  int err;
  const char *failed_call;
  char *names;      /* NUL-separated list from llistxattr */
  ssize_t names_len;
  char **values;    /* one malloc'd value per name */
  ssize_t *value_lens;
  size_t count;
} attr_set;

void attr_set_read(attr_set *s);
void attr_set_free(attr_set *s);
napi_value attr_set_to_js(napi_env env, attr_set *s);
char *take_path(napi_env env, napi_value v);
napi_value errno_error(napi_env env, int err, const char *syscall);
napi_value register_dirscan(napi_env env, napi_value exports);
napi_value register_extents(napi_env env, napi_value exports);

#endif
