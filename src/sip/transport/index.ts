export { formatHostPort, isIpv6 } from './address.js';
export { TcpTransport, type TcpTransportOptions } from './tcp-transport.js';
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
