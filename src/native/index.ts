// Linux batched UDP I/O (native/batch-receiver.c, native/batch-sender.c) for both the SIP stack
// and the media side: neither knows how the module is built or loaded.
export { BatchSender, type SendOwner, sharedSender } from './batch-sender.js';
export { errnoName, type NativeUdpModule, nativeReceiveModule, nativeUdpModule } from './module.js';
export {
  type DatagramSink,
  type DatagramSource,
  formatIpv6,
  NativeReceiver,
  sharedReceiver,
  sourceOfKey,
} from './receiver.js';
export { type NativeTlsModule, nativeTlsModule, TlsState } from './tls-session.js';
export {
  NativeBindError,
  type NativeDatagramHandler,
  NativeUdpSocket,
  type NativeUdpSocketOptions,
  type SendFailureHandler,
} from './udp-socket.js';
