import type { DtlsCertificate } from '../../dtls/index.js';
import { canSend, type RtpPortAllocation, RtpPortRange, tosOf } from '../../udp/index.js';
import type { MediaEvent } from '../types.js';
import { Endpoint, type EndpointHost } from './endpoint.js';
import type { Address } from './latching.js';
import type { DropReason, EndpointConfig, EndpointStats, RelayCounters, WorkerOptions } from './protocol.js';
import { TimeoutWatch } from './timeout-watch.js';
import { loadWebRtc } from './webrtc-loader.js';

const UNCONFIGURED: EndpointConfig = {
  callId: '',
  fromTag: '',
  latch: true,
  clockRates: {},
  eventPayloads: [],
};

/** How often media timeouts are checked. */
const TIMEOUT_CHECK_MS = 1000;

/**
 * The packet side of the built-in relay, as one worker thread runs it: binds port pairs from its
 * share of the range, keeps the endpoints, relays between them, watches media timeouts.
 */
export class RelayEngine implements EndpointHost {
  private readonly range: RtpPortRange;
  private readonly endpoints = new Map<number, { endpoint: Endpoint; allocation: RtpPortAllocation }>();
  private readonly watch: TimeoutWatch;
  private readonly timer: NodeJS.Timeout;
  private nextId = 1;
  /** Send failures of endpoints already released. */
  private releasedSendErrors = 0;
  private readonly totals: RelayCounters = {
    packets: 0,
    bytes: 0,
    dropped: { source: 0, malformed: 0, unrouted: 0, send: 0, srtp: 0, stun: 0, dtls: 0, consent: 0 },
    forked: 0,
    endpoints: 0,
    unmarked: 0,
  };
  private dtlsCertificate: Pick<DtlsCertificate, 'certPem' | 'keyPem'> | undefined;

  constructor(
    options: WorkerOptions,
    private readonly emit: (event: MediaEvent) => void,
    private readonly clock: () => number = Date.now,
    warn: (message: string) => void = () => {},
  ) {
    const dscp = options.dscp ?? 0;
    this.range = new RtpPortRange({
      min: options.portMin,
      max: options.portMax,
      address: options.address,
      // The native batch module (recvmmsg per wakeup, sendmmsg per event-loop turn) when built, with
      // no receive pause: a relayed packet must not wait. IPv6 stays on node:dgram, whose udp6
      // sockets are dual-stack (IPv4 peers reach an address like ::).
      receiver: options.address.includes(':') ? 'dgram' : (options.receiver ?? 'auto'),
      coalesceMs: 0,
      receiveBufferSize: 1 << 20,
      dscp,
      onUnmarked: (reason) =>
        warn(
          `media.dscp ${dscp} (TOS ${tosOf(dscp)}) is not set on the relay's sockets (${reason}): their packets leave unmarked; media still flows`,
        ),
    });
    this.watch = new TimeoutWatch(options.timeoutMs);
    this.timer = setInterval(() => this.checkTimeouts(), TIMEOUT_CHECK_MS);
    this.timer.unref();
  }

  /** Binds `count` port pairs; all or none (a partial allocation is released). */
  async allocate(count: number): Promise<Array<{ id: number; port: number }>> {
    const got: RtpPortAllocation[] = [];
    try {
      for (let i = 0; i < count; i++) got.push(await this.range.allocate());
    } catch (error) {
      await Promise.all(got.map((a) => a.release()));
      throw error;
    }
    return got.map((allocation) => {
      const { rtp, rtcp } = allocation;
      if (rtcp === undefined || !canSend(rtp) || !canSend(rtcp)) throw new Error('relay sockets cannot send');
      const id = this.nextId++;
      const endpoint = new Endpoint(id, allocation.port, rtp, rtcp, UNCONFIGURED, this);
      this.endpoints.set(id, { endpoint, allocation });
      return { id, port: allocation.port };
    });
  }

  /** Relay-wide counters; send failures summed from the sockets. */
  get counters(): RelayCounters {
    let send = this.releasedSendErrors;
    for (const { endpoint } of this.endpoints.values()) send += endpoint.sendErrors;
    return {
      ...this.totals,
      dropped: { ...this.totals.dropped, send },
      endpoints: this.endpoints.size,
      unmarked: this.range.unmarked,
    };
  }

  /**
   * The node's DTLS certificate for WebRTC sides (RFC 5763 §5: one identity, its fingerprint in
   * SDP); the WebRTC code is loaded with it, before the first WebRTC side.
   */
  async setCertificate(certPem: string, keyPem: string): Promise<void> {
    await loadWebRtc();
    this.dtlsCertificate = { certPem, keyPem };
  }

  configure(id: number, config: EndpointConfig): void {
    const entry = this.endpoints.get(id);
    if (entry === undefined) throw new Error(`no relay endpoint ${id}`);
    entry.endpoint.configure(config);
    this.watch.open(config.callId, this.clock());
  }

  stats(ids: number[]): EndpointStats[] {
    return ids.flatMap((id) => {
      const entry = this.endpoints.get(id);
      return entry === undefined ? [] : [entry.endpoint.stats()];
    });
  }

  /** Final statistics of the endpoints, then their ports are freed. */
  async release(ids: number[]): Promise<EndpointStats[]> {
    const out = this.stats(ids);
    const calls = new Set<string>();
    await Promise.all(
      ids.map((id) => {
        const entry = this.endpoints.get(id);
        if (entry === undefined) return undefined;
        this.endpoints.delete(id);
        entry.endpoint.close();
        this.releasedSendErrors += entry.endpoint.sendErrors;
        calls.add(entry.endpoint.config.callId);
        return entry.allocation.release();
      }),
    );
    for (const callId of calls) {
      if (![...this.endpoints.values()].some((e) => e.endpoint.config.callId === callId))
        this.watch.close(callId);
    }
    return out;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.release([...this.endpoints.keys()]);
  }

  checkTimeouts(): void {
    const last = new Map<string, number>();
    for (const { endpoint } of this.endpoints.values()) {
      const callId = endpoint.config.callId;
      last.set(callId, Math.max(last.get(callId) ?? 0, endpoint.lastPacketAt));
    }
    const now = this.clock();
    for (const { callId, idleMs } of this.watch.check(now, (id) => last.get(id) ?? 0)) {
      this.emit({ type: 'media.timeout', callId, at: now, idleMs });
    }
    for (const { endpoint } of this.endpoints.values()) {
      if (endpoint.consentExpired(now)) {
        const { callId, fromTag } = endpoint.config;
        this.emit({ type: 'media.consent-lost', callId, fromTag, at: now });
      }
    }
  }

  // EndpointHost
  now(): number {
    return this.clock();
  }
  endpoint(id: number): Endpoint | undefined {
    return this.endpoints.get(id)?.endpoint;
  }
  relayed(bytes: number): void {
    this.totals.packets++;
    this.totals.bytes += bytes;
  }
  forked(): void {
    this.totals.forked++;
  }
  dropped(reason: Exclude<DropReason, 'send'>): void {
    this.totals.dropped[reason]++;
  }
  certificate(): Pick<DtlsCertificate, 'certPem' | 'keyPem'> | undefined {
    return this.dtlsCertificate;
  }
  dtmf(endpoint: Endpoint, digit: string, durationMs: number, at: number): void {
    const { callId, fromTag } = endpoint.config;
    this.emit({ type: 'media.dtmf', callId, fromTag, at, digit, durationMs });
  }
  latched(endpoint: Endpoint, source: Address, at: number): void {
    const { callId, fromTag } = endpoint.config;
    const ip = source.address;
    const address = `${ip.includes(':') ? `[${ip}]` : ip}:${source.port}`;
    this.emit({ type: 'media.latched', callId, fromTag, at, address });
  }
}
