{
  "targets": [
    {
      "target_name": "batch_receiver",
      "conditions": [
        ["OS=='linux'", {
          "sources": ["native/batch-receiver.c", "native/batch-sender.c", "native/napi-args.c"],
          "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
        }]
      ]
    },
    {
      "target_name": "tls_session",
      "conditions": [
        ["OS=='linux'", {
          "sources": ["native/tls-session.c", "native/napi-args.c"],
          "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
        }]
      ]
    }
  ]
}
