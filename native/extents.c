/*
 * Sparse-file calls for heal and its undo: which ranges of a file hold data (lseek
 * SEEK_DATA/SEEK_HOLE), punching a hole back (fallocate PUNCH_HOLE), mknod for the
 * special files entry heal recreates, and syncfs for heal's durability barrier. Node offers
 * none of them.
 */
#define _GNU_SOURCE
#include "attrs.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* The (fd, offset, length) arguments of a range call; false (with a TypeError thrown) when they are not. */
static bool take_range(napi_env env, napi_callback_info info, const char *usage, int32_t *fd, int64_t *offset, int64_t *length) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return false;
  if (napi_get_value_int32(env, argv[0], fd) != napi_ok || napi_get_value_int64(env, argv[1], offset) != napi_ok ||
      napi_get_value_int64(env, argv[2], length) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", usage);
    return false;
  }
  return true;
}

/* dataExtents(fd, offset, length): [start, end, start, end, ...] of the data in [offset, offset+length). */
static napi_value data_extents(napi_env env, napi_callback_info info) {
  int32_t fd;
  int64_t offset, length;
  napi_value result;
  if (!take_range(env, info, "dataExtents(fd, offset, length)", &fd, &offset, &length)) return NULL;
  CHECK(napi_create_array(env, &result));
  uint32_t n = 0;
  const int64_t end = offset + length;
  for (int64_t at = offset; at < end;) {
    off_t data = lseek(fd, at, SEEK_DATA);
    if (data < 0) {
      if (errno == ENXIO) break; /* only a hole from here to the end of the file */
      napi_throw(env, errno_error(env, errno, "lseek"));
      return NULL;
    }
    if (data >= end) break;
    off_t hole = lseek(fd, data, SEEK_HOLE);
    if (hole < 0) {
      napi_throw(env, errno_error(env, errno, "lseek"));
      return NULL;
    }
    if (hole > end) hole = end;
    napi_value a, b;
    CHECK(napi_create_int64(env, data, &a));
    CHECK(napi_create_int64(env, hole, &b));
    CHECK(napi_set_element(env, result, n++, a));
    CHECK(napi_set_element(env, result, n++, b));
    at = hole;
  }
  return result;
}

/* punchHole(fd, offset, length): deallocates the range; the file keeps its size. */
static napi_value punch_hole(napi_env env, napi_callback_info info) {
  int32_t fd;
  int64_t offset, length;
  if (!take_range(env, info, "punchHole(fd, offset, length)", &fd, &offset, &length)) return NULL;
  if (length > 0 && fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length) != 0) {
    napi_throw(env, errno_error(env, errno, "fallocate"));
  }
  return NULL;
}

/* syncFs(fd): syncfs(2), everything written to the filesystem holding fd on disk. */
static napi_value sync_fs(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "syncFs(fd)");
    return NULL;
  }
  if (syncfs(fd) != 0) napi_throw(env, errno_error(env, errno, "syncfs"));
  return NULL;
}

/* setTimes(fd, atimeNs, mtimeNs): futimens to the nanosecond (BigInts); Node's futimes goes through a double. */
static napi_value set_times(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  int64_t atime, mtime;
  bool lossless;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_bigint_int64(env, argv[1], &atime, &lossless) != napi_ok ||
      napi_get_value_bigint_int64(env, argv[2], &mtime, &lossless) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "setTimes(fd, atimeNs, mtimeNs)");
    return NULL;
  }
  const struct timespec times[2] = {{atime / 1000000000, atime % 1000000000}, {mtime / 1000000000, mtime % 1000000000}};
  if (futimens(fd, times) != 0) napi_throw(env, errno_error(env, errno, "futimens"));
  return NULL;
}

/* mknod(path, mode, major, minor): FIFOs, sockets and devices. */
static napi_value make_node(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t mode, major_, minor_;
  if (napi_get_value_uint32(env, argv[1], &mode) != napi_ok || napi_get_value_uint32(env, argv[2], &major_) != napi_ok ||
      napi_get_value_uint32(env, argv[3], &minor_) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "mknod(path, mode, major, minor)");
    return NULL;
  }
  char *path = take_path(env, argv[0]);
  if (!path) return NULL;
  if (mknod(path, (mode_t)mode, makedev(major_, minor_)) != 0) napi_throw(env, errno_error(env, errno, "mknod"));
  free(path);
  return NULL;
}

napi_value register_extents(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"dataExtents", NULL, data_extents, NULL, NULL, NULL, napi_default, NULL},
      {"punchHole", NULL, punch_hole, NULL, NULL, NULL, napi_default, NULL},
      {"setTimes", NULL, set_times, NULL, NULL, NULL, napi_default, NULL},
      {"mknod", NULL, make_node, NULL, NULL, NULL, napi_default, NULL},
      {"syncFs", NULL, sync_fs, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}
