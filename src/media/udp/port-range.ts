import type { DatagramBinder, DatagramSocket, ReceiverKind } from './datagram-socket.js';
import { tosOf } from './dscp.js';
import { datagramBinder } from './receiver-kind.js';

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
  /** How the sockets receive (default auto: the native batch receiver when built). */
  receiver?: ReceiverKind;
  /**
   * The batch receiver's pause after each wakeup, in ms (default 5: recording gathers bigger
   * batches); 0 delivers at once, as relaying needs. node:dgram sockets ignore it.
   */
  coalesceMs?: number;
  /**
   * DSCP (0-63) of every packet the sockets send (RFC 2474; 46: EF, RFC 3246); default 0, left as
   * the system has it. Where it cannot be set the sockets still work, counted in `unmarked`.
   */
  dscp?: number;
  /** Told once, for the first socket bound without the DSCP, why (EPERM, node:dgram...). */
  onUnmarked?: (reason: string) => void;
}

/** The sockets of one allocation; bound, not yet listened to. */
export interface RtpPortAllocation {
  readonly port: number;
  readonly address: string;
  readonly rtp: DatagramSocket;
  /** Bound on port+1 when the range was made with rtcp. */
  readonly rtcp: DatagramSocket | undefined;
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
  /** How the sockets receive: `auto` resolved to what this process can do. */
  readonly receiver: 'batch' | 'dgram';
  private readonly bind: DatagramBinder;
  private readonly receiveBufferSize: number | undefined;
  private readonly inUse = new Set<number>();
  private cursor: number;
  private readonly onUnmarked: ((reason: string) => void) | undefined;
  /** Sockets bound without the DSCP asked for (each RTP and RTCP socket counts). */
  unmarked = 0;

  constructor(options: RtpPortRangeOptions) {
    this.rtcp = options.rtcp ?? true;
    this.min = options.min + (options.min % 2);
    this.max = options.max;
    this.address = options.address ?? '0.0.0.0';
    const dscp = options.dscp ?? 0;
    if (!Number.isInteger(dscp) || dscp < 0 || dscp > 63) throw new RangeError(`invalid DSCP ${dscp} (0-63)`);
    this.onUnmarked = options.onUnmarked;
    const binder = datagramBinder(options.receiver ?? 'auto', options.coalesceMs, tosOf(dscp));
    this.receiver = binder.kind;
    this.bind = binder.bind;
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
      const rtp = await this.bind(port, this.address, this.receiveBufferSize);
      const rtcp =
        rtp !== undefined && this.rtcp ? await this.bind(port + 1, this.address, undefined) : undefined;
      if (rtp === undefined || (this.rtcp && rtcp === undefined)) {
        if (rtp !== undefined) await rtp.close();
        this.inUse.delete(port);
        continue;
      }
      this.countUnmarked(rtp);
      if (rtcp !== undefined) this.countUnmarked(rtcp);
      return this.allocation(port, rtp, rtcp);
    }
    throw new RtpPortRangeExhaustedError(this.min, this.max);
  }

  private countUnmarked(socket: DatagramSocket): void {
    if (socket.dscpFailure === undefined) return;
    if (this.unmarked++ === 0) this.onUnmarked?.(socket.dscpFailure);
  }

  private lastPort(): number {
    const top = this.rtcp ? this.max - 1 : this.max;
    return top - (top % 2);
  }

  private allocation(port: number, rtp: DatagramSocket, rtcp: DatagramSocket | undefined): RtpPortAllocation {
    let released: Promise<void> | undefined;
    return {
      port,
      address: this.address,
      rtp,
      rtcp,
      release: () => {
        released ??= Promise.all([rtp.close(), rtcp?.close()]).then(() => {
          this.inUse.delete(port);
        });
        return released;
      },
    };
  }
}
