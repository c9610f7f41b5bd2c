export { formatHostPort, isIpv6 } from './address.js';
export { SourceLimit } from './source-limit.js';
export { StreamTransport, type StreamTransportOptions } from './stream-transport.js';
export { isStunBindingRequest, readXorMappedAddress, stunBindingSuccess } from './stun.js';
export { TcpTransport, type TcpTransportOptions } from './tcp-transport.js';
export {
  type ClientTls,
  type TlsCredentials,
  TlsTransport,
  type TlsTransportOptions,
  verifiedPeerNames,
} from './tls-transport.js';
export { TransportLayer } from './transport-layer.js';
export type {
  Endpoint,
  InboundPacket,
  Target,
  Transport,
  TransportDrop,
  TransportDropReason,
  TransportHandlers,
  TransportProtocol,
} from './types.js';
export { UdpTransport, type UdpTransportOptions } from './udp-transport.js';
export { SIP_SUBPROTOCOL, WsTransport, type WsTransportOptions } from './ws-transport.js';
