import type net from 'node:net';
import { formatHostPort, unmapIpv4 } from './address.js';
import { emitDrop } from './handlers.js';
import type { Endpoint, TransportHandlers } from './types.js';

/**
 * Start a stream listener (TCP, TLS, WS, WSS): resolves with the port it got, rejects when it
 * cannot bind. Errors after that are reported through `onError` instead of thrown.
 */
export function listenServer(
  server: net.Server,
  host: string,
  port: number,
  onError: (e: Error) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      server.on('error', onError);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/** A listener's own socket error, counted as a drop (there is no peer to name). */
export function reportListenerError(handlers: TransportHandlers, local: Endpoint, e: Error): void {
  const source: Endpoint = { protocol: local.protocol, address: '', port: 0 };
  emitDrop(handlers, { reason: 'socket-error', source, local, detail: e.message });
}

/** The key of a peer's address:port in a transport's connection-reuse map. */
export function connectionKey(address: string, port: number): string {
  return formatHostPort(unmapIpv4(address).toLowerCase(), port);
}
