/**
 * Where a datagram came from, as a key that is cheap to compare: equal keys mean the same address
 * and port. Its form depends on the socket kind; `DatagramSocket.describe` turns it back.
 */
export type SourceKey = number | string;

/** Receives one datagram; `arrivalMs` is wall-clock milliseconds since the epoch. */
export type DatagramHandler = (data: Buffer, source: SourceKey, arrivalMs: number) => void;

/** A bound UDP socket that only receives, as the recorder's legs need. */
export interface DatagramSocket {
  readonly port: number;
  readonly address: string;
  /** Datagrams dropped because they were too large to receive whole. */
  readonly truncated: number;
  /**
   * Why the socket's packets leave without the DSCP its binder was asked for (EPERM, or node:dgram
   * that cannot set it); undefined when they carry it, or none was asked for.
   */
  readonly dscpFailure?: string | undefined;
  /** Starts delivering datagrams to `handler` (one handler; a second call replaces it). */
  listen(handler: DatagramHandler): void;
  /** The address and port a key of this socket stands for. */
  describe(source: SourceKey): { address: string; port: number };
  /** Stops receiving and closes the socket; idempotent. */
  close(): Promise<void>;
}

/**
 * A DatagramSocket that can also send: node:dgram's, and the native batch socket's (batched with
 * sendmmsg at the end of the event-loop turn, src/native).
 */
export interface SendingDatagramSocket extends DatagramSocket {
  /** Sends without waiting; a failed send is counted in sendErrors. */
  send(data: Uint8Array, port: number, address: string): void;
  readonly sendErrors: number;
}

export function canSend(socket: DatagramSocket): socket is SendingDatagramSocket {
  return typeof (socket as Partial<SendingDatagramSocket>).send === 'function';
}

/**
 * How recorded RTP is received: `batch` through the native batch receiver (native/
 * batch-receiver.c: epoll and recvmmsg, one crossing into JavaScript per batch), `dgram` through
 * node:dgram (one event per datagram), `auto` batch when the native module is built, else dgram.
 */
export type ReceiverKind = 'auto' | 'batch' | 'dgram';

/** Binds a receiving socket, or resolves undefined when the port is taken. */
export type DatagramBinder = (
  port: number,
  address: string,
  receiveBufferSize: number | undefined,
) => Promise<DatagramSocket | undefined>;
