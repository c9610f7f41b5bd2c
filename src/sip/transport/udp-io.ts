import dgram from 'node:dgram';
import { type NativeUdpModule, NativeUdpSocket } from '../../native/index.js';
import { isIpv6 } from './address.js';

/** What a UDP transport's socket tells it. */
export interface UdpIoEvents {
  /**
   * One datagram from address:port (IPv4 peers of a dual-stack socket as ::ffff:a.b.c.d). When
   * `truncated` is not 0 the datagram was that long and `data` holds only its head.
   */
  onDatagram(data: Buffer, address: string, port: number, truncated: number): void;
  /** A datagram that could not be sent, or a socket error; `code` is the errno name when known. */
  onError(code: string, detail: string): void;
}

/** The socket under a UDP transport: node:dgram's, or the native module's batched one. */
export interface UdpIo {
  readonly kind: 'batch' | 'dgram';
  readonly port: number;
  /**
   * Sends without waiting (`address` an IP literal of the socket's family); failures go to onError
   * (node:dgram throws at once for a bad argument). `data` must stay unchanged until the turn ends.
   */
  send(data: Buffer, port: number, address: string): void;
  close(): Promise<void>;
}

export interface UdpIoOptions {
  host: string;
  port: number;
  recvBufferSize: number;
  sendBufferSize: number | undefined;
  /** Datagrams longer than this arrive cut to it (the native path; node:dgram has no limit). */
  slotBytes: number;
}

/**
 * The native path: datagrams arrive in batches (recvmmsg, one crossing per wakeup, no added delay)
 * and leave in batches (sendmmsg at the end of the event-loop turn). Throws NativeBindError.
 */
export function openNativeIo(native: NativeUdpModule, options: UdpIoOptions, events: UdpIoEvents): UdpIo {
  const socket = new NativeUdpSocket(native, {
    address: options.host,
    port: options.port,
    receiveBufferSize: options.recvBufferSize,
    ...(options.sendBufferSize === undefined ? {} : { sendBufferSize: options.sendBufferSize }),
    // node:dgram's IPv6 sockets are dual-stack: keep that.
    v6only: false,
    coalesceMs: 0,
    slotBytes: options.slotBytes,
    // libuv reads 32 datagrams per socket per turn for node:dgram: a few times that, in one
    // crossing, so a backlog's first replies leave before all of it is read.
    perWakeup: 128,
  });
  socket.onDatagram((data, from, truncated) => events.onDatagram(data, from.address(), from.port, truncated));
  socket.onSendFailure((error, port, address) =>
    events.onError(error, `send to ${address} port ${port}: ${error}`),
  );
  return {
    kind: 'batch',
    port: socket.port,
    send: (data, port, address) => socket.send(data, port, address),
    close: () => socket.close(),
  };
}

/** The node:dgram path: one 'message' event per datagram, one send call per datagram. */
export function openDgramIo(options: UdpIoOptions, events: UdpIoEvents): Promise<UdpIo> {
  const socket = dgram.createSocket(isIpv6(options.host) ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    const onBindError = (e: Error) => {
      socket.close();
      reject(e);
    };
    socket.once('error', onBindError);
    socket.bind({ address: options.host, port: options.port }, () => {
      socket.off('error', onBindError);
      // From here on errors are reported, never thrown (an 'error' without listener would be).
      socket.on('error', (e: NodeJS.ErrnoException) => events.onError(e.code ?? 'error', e.message));
      socket.on('message', (data, rinfo) => events.onDatagram(data, rinfo.address, rinfo.port, 0));
      tuneBuffers(socket, options);
      resolve({
        kind: 'dgram',
        port: socket.address().port,
        // No completion callback: libuv then sends at once (uv_udp_try_send) instead of queueing a
        // request and reporting back through the event loop. Asynchronous send errors surface as the
        // socket's 'error' event; a bad argument throws here.
        send: (data, port, address) => socket.send(data, port, address),
        close: () =>
          new Promise((done) => {
            try {
              socket.close(() => done());
            } catch {
              done(); // already closed
            }
          }),
      });
    });
  });
}

function tuneBuffers(socket: dgram.Socket, options: UdpIoOptions): void {
  try {
    socket.setRecvBufferSize(options.recvBufferSize);
  } catch {
    // Not permitted or not supported: the system default stays.
  }
  if (options.sendBufferSize === undefined) return;
  try {
    socket.setSendBufferSize(options.sendBufferSize);
  } catch {
    // idem
  }
}
