import { createSocket, type Socket } from 'node:dgram';
import { type LookupOneOptions, lookup } from 'node:dns';
import { isIP } from 'node:net';
import type { DatagramHandler, DatagramSocket, SendingDatagramSocket, SourceKey } from './datagram-socket.js';
import { DGRAM_CANNOT_MARK } from './dscp.js';

/** A DatagramSocket over node:dgram: one 'message' event per datagram. Keys are "port address". */
class DgramSocket implements SendingDatagramSocket {
  readonly truncated = 0;
  sendErrors = 0;
  dscpFailure: string | undefined;
  private closing: Promise<void> | undefined;
  private handler: DatagramHandler | undefined;
  private readonly epochOffset = performance.timeOrigin;

  constructor(
    private readonly socket: Socket,
    readonly port: number,
    readonly address: string,
  ) {
    // Without a send callback node reports a failed send here (a callback would cost a tick per packet).
    socket.on('error', () => {
      this.sendErrors++;
    });
  }

  listen(handler: DatagramHandler): void {
    if (this.handler === undefined) {
      this.socket.on('message', (data, rinfo) =>
        this.handler?.(data, `${rinfo.port} ${rinfo.address}`, this.epochOffset + performance.now()),
      );
    }
    this.handler = handler;
  }

  /** Sends from this socket (a relay answers from the port it receives on: symmetric RTP). */
  send(data: Uint8Array, port: number, address: string, onError?: (error: Error) => void): void {
    this.socket.send(
      data,
      port,
      address,
      onError === undefined ? undefined : (error) => error && onError(error),
    );
  }

  describe(source: SourceKey): { address: string; port: number } {
    const text = String(source);
    const space = text.indexOf(' ');
    return { address: text.slice(space + 1), port: Number(text.slice(0, space)) };
  }

  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
    return this.closing;
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * node:dgram resolves every send's address with dns.lookup, which for an IP literal still costs a
 * regular expression and a process.nextTick per datagram before the send. Media goes to IP
 * literals (SDP c= lines, latched sources): answer those at once, the last one without even
 * testing it again; anything else still goes to dns.lookup.
 */
function literalLookup(): (address: string, options: LookupOneOptions, callback: LookupCallback) => void {
  let literal = '';
  let literalFamily = 0;
  return (address, options, callback) => {
    if (address === literal) {
      callback(null, address, literalFamily);
      return;
    }
    const family = isIP(address);
    if (family === 0) {
      lookup(address, options, callback);
      return;
    }
    literal = address;
    literalFamily = family;
    callback(null, address, family);
  };
}

/**
 * Binds a node:dgram socket exclusively; undefined when the port is taken. A `tos` asked for
 * cannot be set (Node's dgram has no IP_TOS): the socket's dscpFailure says so.
 */
export function bindDgramSocket(
  port: number,
  address: string,
  receiveBufferSize: number | undefined,
  tos = 0,
): Promise<DatagramSocket | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4', lookup: literalLookup() });
    const onError = () => {
      socket.close();
      resolve(undefined);
    };
    socket.once('error', onError);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.off('error', onError);
      if (receiveBufferSize !== undefined) {
        try {
          socket.setRecvBufferSize(receiveBufferSize);
        } catch {
          // the kernel caps it (net.core.rmem_max); the default still works
        }
      }
      const bound = new DgramSocket(socket, port, address);
      if (tos !== 0) bound.dscpFailure = DGRAM_CANNOT_MARK;
      resolve(bound);
    });
  });
}
