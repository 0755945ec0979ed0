{
  "targets": [
    {
      "target_name": "gfsck_native",
      "sources": ["native/xattr.c", "native/dirscan.c", "native/extents.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
