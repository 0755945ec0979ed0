{
  "targets": [
    {
      "target_name": "gfsck_native",
      "sources": ["native/xattr.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
