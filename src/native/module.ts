import { createRequire } from 'node:module';
import { constants } from 'node:os';

/**
 * native/batch-receiver.c + native/batch-sender.c, built by `npm install` (node-gyp) into
 * build/Release/batch_receiver.node. Linux only; context-aware, so it loads in worker threads too.
 */
export interface NativeUdpModule {
  /** A non-blocking UDP socket bound to address:port: its descriptor, or -errno. */
  bind(address: string, port: number, receiveBufferSize: number, v6only?: boolean): number;
  closeFd(fd: number): void;
  /** The port a descriptor is bound to, or -errno. */
  localPort(fd: number): number;
  /** SO_RCVBUF / SO_SNDBUF (0 leaves one as it is): 0 or -errno. */
  setBuffers(fd: number, receiveBytes: number, sendBytes: number): number;
  /**
   * The DS field (TOS byte, DSCP << 2) of what the socket sends: IP_TOS, or IPV6_TCLASS on an IPv6
   * socket; 0 or -errno. Absent from a module built before it existed.
   */
  setTos?(fd: number, tos: number): number;
  /**
   * An epoll set drained with recvmmsg: onBatch gets the datagrams' bytes, `meta` describes each
   * (see layout). Datagrams over slotBytes (default 8192) arrive cut, their real length flagged.
   * Throws a TypeError when onBatch is not a function; the functions taking a receiver throw one
   * for a handle that is not a receiver.
   */
  createReceiver(
    onBatch: (data: Buffer, count: number) => void,
    coalesceMs: number,
    slotBytes?: number,
    perWakeup?: number,
  ): [unknown, ArrayBuffer];
  destroyReceiver(receiver: unknown): void;
  add(receiver: unknown, fd: number, id: number): number;
  remove(receiver: unknown, fd: number): number;
  keepAlive(receiver: unknown, on: boolean): void;
  /**
   * sendmmsg of datagram i (buffers[i] to addresses[i]:meta[2i+1] from descriptor meta[2i]); runs on
   * one descriptor go out in one call. results[i]: 0 sent, else errno. Returns the number sent.
   */
  sendBatch(
    count: number,
    buffers: readonly Uint8Array[],
    addresses: readonly string[],
    meta: Int32Array,
    results: Int32Array,
  ): number;
  layout: { maxPackets: number; fields: number; metaAddressOffset: number; metaArrivalOffset: number };
  /** errno values of this platform, by name. */
  errno: Record<string, number>;
}

let loaded: NativeUdpModule | null | undefined;

/**
 * The native module as built, or undefined when it was not (not Linux, or no compiler at install).
 * One built before the sender existed still receives: see nativeUdpModule for the whole of it.
 */
export function nativeReceiveModule(): NativeUdpModule | undefined {
  if (loaded === undefined) {
    try {
      // src/native and dist/native are both two levels below the package root.
      loaded = createRequire(import.meta.url)('../../build/Release/batch_receiver.node') as NativeUdpModule;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}

/** The native module when it is built and current (it sends as well as receives), else undefined. */
export function nativeUdpModule(): NativeUdpModule | undefined {
  const module = nativeReceiveModule();
  return typeof module?.sendBatch === 'function' ? module : undefined;
}

const errnoNames = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno))
  if (!errnoNames.has(value)) errnoNames.set(value, name);

/** The errno name for a number the module returned (EAGAIN, EMSGSIZE...; "errno 42" when unknown). */
export function errnoName(native: NativeUdpModule, errno: number): string {
  if (errno === native.errno.EAGAIN) return 'EAGAIN'; // not EWOULDBLOCK, its twin
  return errnoNames.get(errno) ?? `errno ${errno}`;
}
