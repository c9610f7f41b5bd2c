import { batchReceiverModule, bindBatchSocket } from './batch-socket.js';
import type { DatagramBinder, ReceiverKind } from './datagram-socket.js';
import { bindDgramSocket } from './dgram-socket.js';

/** `batch` was asked for but native/batch-receiver.c is not built. */
export class BatchReceiverUnavailableError extends Error {
  constructor() {
    super(
      'the native batch receiver is not built (build/Release/batch_receiver.node): run `npm install` on Linux with make, g++ and python3, or set recording.receiver to dgram or auto',
    );
    this.name = 'BatchReceiverUnavailableError';
  }
}

/**
 * The binder for a receiver kind, and the kind `auto` resolved to. `coalesceMs` is the batch
 * receiver's pause after each wakeup (default recording's 5 ms; a relay passes 0); `tos` (DSCP
 * << 2) marks what the sockets send, where the kind can (0: left as the system has it).
 */
export function datagramBinder(
  kind: ReceiverKind,
  coalesceMs?: number,
  tos = 0,
): { kind: 'batch' | 'dgram'; bind: DatagramBinder } {
  const dgram: DatagramBinder = (port, address, size) => bindDgramSocket(port, address, size, tos);
  if (kind === 'dgram') return { kind, bind: dgram };
  const native = batchReceiverModule();
  if (native === undefined) {
    if (kind === 'batch') throw new BatchReceiverUnavailableError();
    return { kind: 'dgram', bind: dgram };
  }
  return {
    kind: 'batch',
    bind: (port, address, size) => bindBatchSocket(native, port, address, size, coalesceMs, tos),
  };
}
