import { batchReceiverModule } from '../../../../src/media/udp/batch-socket.js';

/**
 * The receiver kinds a socket test runs under, each with whether to skip it: the native batch
 * receiver is skipped when it was not built, unless SWITCHBOARD_REQUIRE_PEERS=1 (CI) makes that a
 * failure.
 */
export function receiverKinds(): { kind: 'dgram' | 'batch'; name: string; skip: boolean }[] {
  const missing = batchReceiverModule() === undefined && process.env.SWITCHBOARD_REQUIRE_PEERS !== '1';
  return [
    { kind: 'dgram', name: 'dgram', skip: false },
    {
      kind: 'batch',
      name: missing
        ? 'batch: skipped, native module not built (npm install with make, g++, python3)'
        : 'batch',
      skip: missing,
    },
  ];
}
