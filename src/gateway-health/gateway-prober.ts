import { systemTimers, type UaTimers } from '../sip/ua/index.js';
import type {
  GatewayHealth,
  GatewayHealthStatus,
  GatewayState,
  Probe,
  ProbedGateway,
  ProbeResult,
} from './types.js';

export interface GatewayProberOptions {
  /** The gateways to probe, read at the start of every round: provisioning changes apply at the next. */
  gateways: () => ProbedGateway[] | Promise<ProbedGateway[]>;
  probe: Probe;
  /** Time between rounds (Kamailio's ds_ping_interval); default 30 s. */
  intervalMs?: number;
  /**
   * How long a probe may wait for its answer before it counts as failed; default 5 s. Shorter than
   * the transaction's own Timer F (64·T1 = 32 s, RFC 3261 §17.1.2.2), which would outlast the interval.
   */
  timeoutMs?: number;
  /** Failed probes in a row that mark a gateway down (ds_probing_threshold); default 1. */
  downAfterFailures?: number;
  /** Probes in flight at once; the rest of a round waits its turn. Default 16. */
  maxInFlight?: number;
  timers?: UaTimers;
  now?: () => number;
  /** A gateway went down, or came back up (its first answer, unknown → up, is no change). */
  onChange?: (status: GatewayHealthStatus, previous: GatewayState) => void;
  /** Every finished probe, with the gateway's status after it. */
  onProbe?: (status: GatewayHealthStatus, result: ProbeResult) => void;
  /** The gateway list could not be read, or a probe threw. */
  onError?: (error: unknown) => void;
}

export const DEFAULT_PROBE_INTERVAL_MS = 30_000;
export const DEFAULT_PROBE_TIMEOUT_MS = 5_000;

/**
 * OPTIONS probing of gateways (Kamailio's dispatcher probing, Asterisk's qualify): every interval
 * each gateway gets one probe; `downAfterFailures` failures in a row mark it down, the first answer
 * marks it up again. A gateway never probed, or not probed yet, counts as up: probing only ever
 * takes a gateway out of service on evidence.
 */
export class GatewayProber implements GatewayHealth {
  private readonly options: Required<Omit<GatewayProberOptions, 'onChange' | 'onProbe' | 'onError'>> &
    Pick<GatewayProberOptions, 'onChange' | 'onProbe' | 'onError'>;
  private readonly statuses = new Map<string, GatewayHealthStatus>();
  private readonly inFlight = new Set<string>();
  /** Each probe's timeout, cleared by stop() so nothing outlives the prober. */
  private readonly probeTimers = new Set<unknown>();
  private queue: ProbedGateway[] = [];
  private timer: unknown;
  private running = false;

  constructor(options: GatewayProberOptions) {
    this.options = {
      intervalMs: DEFAULT_PROBE_INTERVAL_MS,
      timeoutMs: DEFAULT_PROBE_TIMEOUT_MS,
      downAfterFailures: 1,
      maxInFlight: 16,
      timers: systemTimers,
      now: Date.now,
      ...options,
    };
  }

  /** Probe now and then every interval. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  /** No more probes; answers still on their way are ignored. */
  stop(): void {
    this.running = false;
    this.queue = [];
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer);
    this.timer = undefined;
    for (const timer of this.probeTimers) this.options.timers.clearTimeout(timer);
    this.probeTimers.clear();
    this.inFlight.clear();
  }

  isUp(gatewayId: string): boolean {
    return this.statuses.get(gatewayId)?.state !== 'down';
  }

  status(gatewayId: string): GatewayHealthStatus | undefined {
    const status = this.statuses.get(gatewayId);
    return status && { ...status };
  }

  list(): GatewayHealthStatus[] {
    return [...this.statuses.values()].map((s) => ({ ...s }));
  }

  private tick(): void {
    if (!this.running) return;
    this.timer = this.options.timers.setTimeout(() => this.tick(), this.options.intervalMs);
    void this.round();
  }

  /** One round: read the gateways, forget removed ones, queue every gateway not still being probed. */
  private async round(): Promise<void> {
    let gateways: ProbedGateway[];
    try {
      gateways = await this.options.gateways();
    } catch (error) {
      this.options.onError?.(error);
      return;
    }
    if (!this.running) return;
    const ids = new Set(gateways.map((g) => g.id));
    for (const id of this.statuses.keys()) if (!ids.has(id)) this.statuses.delete(id);
    const queued = new Set(this.queue.map((g) => g.id));
    for (const gateway of gateways) {
      this.track(gateway);
      if (!this.inFlight.has(gateway.id) && !queued.has(gateway.id)) this.queue.push(gateway);
    }
    this.pump();
  }

  /** The gateway's status, new (or reset when its address changed). */
  private track(gateway: ProbedGateway): void {
    const known = this.statuses.get(gateway.id);
    if (known && known.uri === gateway.uri) {
      if (gateway.trunk !== undefined) known.trunk = gateway.trunk;
      return;
    }
    this.statuses.set(gateway.id, {
      id: gateway.id,
      uri: gateway.uri,
      ...(gateway.trunk !== undefined ? { trunk: gateway.trunk } : {}),
      state: 'unknown',
      since: this.options.now(),
      consecutiveFailures: 0,
      probes: 0,
      failures: 0,
    });
  }

  private pump(): void {
    while (this.running && this.inFlight.size < this.options.maxInFlight) {
      const gateway = this.queue.shift();
      if (!gateway) return;
      this.inFlight.add(gateway.id);
      void this.probeOne(gateway).finally(() => {
        this.inFlight.delete(gateway.id);
        this.pump();
      });
    }
  }

  private async probeOne(gateway: ProbedGateway): Promise<void> {
    const result = await this.probeWithin(gateway);
    if (!this.running) return;
    const status = this.statuses.get(gateway.id);
    // Removed, or readdressed, while the probe was out: its answer says nothing of the gateway now.
    if (!status || status.uri !== gateway.uri) return;
    this.record(status, result);
  }

  private probeWithin(gateway: ProbedGateway): Promise<ProbeResult> {
    const { timers, timeoutMs } = this.options;
    return new Promise((resolve) => {
      const settle = (result: ProbeResult): void => {
        timers.clearTimeout(timer);
        this.probeTimers.delete(timer);
        resolve(result);
      };
      const timer = timers.setTimeout(() => settle({ alive: false, reason: 'timeout' }), timeoutMs);
      this.probeTimers.add(timer);
      let sent: Promise<ProbeResult>;
      try {
        sent = this.options.probe(gateway);
      } catch (error) {
        sent = Promise.reject(error);
      }
      sent.then(settle, (error: unknown) => {
        this.options.onError?.(error);
        settle({ alive: false, reason: error instanceof Error ? error.message : String(error) });
      });
    });
  }

  private record(status: GatewayHealthStatus, result: ProbeResult): void {
    const previous = status.state;
    status.probes++;
    status.lastProbeAt = this.options.now();
    if (result.status === undefined) delete status.lastStatus;
    else status.lastStatus = result.status;
    if (result.alive) {
      status.consecutiveFailures = 0;
      if (previous !== 'up') this.change(status, 'up', previous);
    } else {
      status.failures++;
      status.consecutiveFailures++;
      status.lastError = result.reason ?? 'failed';
      if (status.consecutiveFailures >= this.options.downAfterFailures && previous !== 'down')
        this.change(status, 'down', previous);
    }
    this.options.onProbe?.({ ...status }, result);
  }

  private change(status: GatewayHealthStatus, state: GatewayState, previous: GatewayState): void {
    status.state = state;
    status.since = this.options.now();
    if (previous !== 'unknown' || state === 'down') this.options.onChange?.({ ...status }, previous);
  }
}
