import { createSocket, type Socket } from 'node:dgram';

export interface RtpPortRangeOptions {
  /** Lowest port (rounded up to even: RFC 3550 §11 puts RTP on an even port). */
  min: number;
  max: number;
  /** Local address to bind (default 0.0.0.0). */
  address?: string;
  /** Also bind RTCP on port+1 (default true). */
  rtcp?: boolean;
  /** Socket receive buffer in bytes, when set (helps at high packet rates). */
  receiveBufferSize?: number;
}

/** The sockets of one allocation; bound, not yet listened to. */
export interface RtpPortAllocation {
  readonly port: number;
  readonly address: string;
  readonly rtp: Socket;
  /** Bound on port+1 when the range was made with rtcp. */
  readonly rtcp: Socket | undefined;
  /** Closes the sockets and frees the port; idempotent. */
  release(): Promise<void>;
}

/** Every even port of the range is in use (by us or by another process). */
export class RtpPortRangeExhaustedError extends Error {
  constructor(
    readonly min: number,
    readonly max: number,
  ) {
    super(`no free RTP port in ${min}-${max}`);
    this.name = 'RtpPortRangeExhaustedError';
  }
}

function bindUdp(port: number, address: string, type: 'udp4' | 'udp6'): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket(type);
    const onError = () => {
      socket.close();
      resolve(undefined);
    };
    socket.once('error', onError);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

/**
 * Hands out even RTP ports (RTCP on the next odd one) by really binding them, so a port held by
 * another process is skipped rather than assumed free. Allocation walks the range round-robin, so a
 * just-released port is reused last (late packets of an old call do not land in a new one).
 */
export class RtpPortRange {
  readonly min: number;
  readonly max: number;
  readonly address: string;
  readonly rtcp: boolean;
  private readonly type: 'udp4' | 'udp6';
  private readonly receiveBufferSize: number | undefined;
  private readonly inUse = new Set<number>();
  private cursor: number;

  constructor(options: RtpPortRangeOptions) {
    this.rtcp = options.rtcp ?? true;
    this.min = options.min + (options.min % 2);
    this.max = options.max;
    this.address = options.address ?? '0.0.0.0';
    this.type = this.address.includes(':') ? 'udp6' : 'udp4';
    this.receiveBufferSize = options.receiveBufferSize;
    if (!Number.isInteger(this.min) || !Number.isInteger(this.max) || this.min < 1 || this.max > 65535) {
      throw new RangeError(`invalid RTP port range ${options.min}-${options.max}`);
    }
    if (this.lastPort() < this.min)
      throw new RangeError(`RTP port range ${options.min}-${options.max} is empty`);
    this.cursor = this.min;
  }

  /** Even ports the range can hold. */
  get capacity(): number {
    return (this.lastPort() - this.min) / 2 + 1;
  }

  get allocated(): number {
    return this.inUse.size;
  }

  /** Binds the next free even port (and port+1); throws RtpPortRangeExhaustedError when none is. */
  async allocate(): Promise<RtpPortAllocation> {
    for (let tried = 0; tried < this.capacity; tried++) {
      const port = this.cursor;
      this.cursor = port + 2 > this.lastPort() ? this.min : port + 2;
      if (this.inUse.has(port)) continue;
      // Reserve before the awaits so concurrent allocate() calls never race for one port.
      this.inUse.add(port);
      const rtp = await bindUdp(port, this.address, this.type);
      const rtcp =
        rtp !== undefined && this.rtcp ? await bindUdp(port + 1, this.address, this.type) : undefined;
      if (rtp === undefined || (this.rtcp && rtcp === undefined)) {
        if (rtp !== undefined) await closeSocket(rtp);
        this.inUse.delete(port);
        continue;
      }
      this.tune(rtp);
      return this.allocation(port, rtp, rtcp);
    }
    throw new RtpPortRangeExhaustedError(this.min, this.max);
  }

  private lastPort(): number {
    const top = this.rtcp ? this.max - 1 : this.max;
    return top - (top % 2);
  }

  private tune(socket: Socket): void {
    if (this.receiveBufferSize === undefined) return;
    try {
      socket.setRecvBufferSize(this.receiveBufferSize);
    } catch {
      // the kernel caps it (net.core.rmem_max); the default still works
    }
  }

  private allocation(port: number, rtp: Socket, rtcp: Socket | undefined): RtpPortAllocation {
    let released: Promise<void> | undefined;
    return {
      port,
      address: this.address,
      rtp,
      rtcp,
      release: () => {
        released ??= Promise.all([closeSocket(rtp), rtcp ? closeSocket(rtcp) : undefined]).then(() => {
          this.inUse.delete(port);
        });
        return released;
      },
    };
  }
}
