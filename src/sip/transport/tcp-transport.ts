import net from 'node:net';
import { type Opening, StreamTransport, type StreamTransportOptions } from './stream-transport.js';
import type { Endpoint } from './types.js';

export type TcpTransportOptions = StreamTransportOptions;

/** SIP over TCP (RFC 3261 §18). */
export class TcpTransport extends StreamTransport {
  readonly protocol = 'tcp' as const;

  protected createServer(accept: (socket: net.Socket) => void): net.Server {
    return net.createServer(accept);
  }

  protected open(destination: Endpoint, localAddress: string | undefined): Opening {
    const socket = net.connect({
      host: destination.address,
      port: destination.port,
      localAddress,
      noDelay: true,
    });
    return { socket, ready: 'connect' };
  }
}
