// Batched UDP send (native/batch-sender.c): adds sendBatch, localPort, setBuffers and setTos to the module.
#ifndef SWITCHBOARD_BATCH_SENDER_H
#define SWITCHBOARD_BATCH_SENDER_H
#include "napi-args.h"

void batch_sender_register(napi_env env, napi_value exports);

#endif
