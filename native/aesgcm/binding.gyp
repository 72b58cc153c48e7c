{
  "targets": [
    {
      "target_name": "aesgcm",
      "sources": ["aesgcm.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
