import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ReceiverKind } from '../../udp/index.js';
import type { MediaEvent } from '../types.js';
import { RelayEngine } from './engine.js';
import type { RelayCounters, WorkerMessage, WorkerOptions, WorkerRequest } from './protocol.js';

/** The relay engines a BuiltinMediaRelay spreads calls over, each owning a slice of the port range. */
export interface RelayEngines {
  readonly size: number;
  request(engine: number, request: WorkerRequest): Promise<unknown>;
  close(): Promise<void>;
}

export interface EnginesOptions {
  portMin: number;
  portMax: number;
  address: string;
  timeoutMs: number;
  /** Engines to run; 0: one per core. */
  count: number;
  /** How the engines' sockets receive and send (default auto: the native batch module when built). */
  receiver?: ReceiverKind;
  /** DSCP of the relayed packets; 0 or absent: unmarked. */
  dscp?: number;
  onEvent: (event: MediaEvent) => void;
  /** What an engine says the node should log (each engine says it once). */
  onWarning?: (message: string) => void;
}

/** Splits the port range into `count` slices of whole RTP/RTCP pairs, one per engine. */
export function portSlices(
  min: number,
  max: number,
  count: number,
): Array<{ portMin: number; portMax: number }> {
  const first = min + (min % 2);
  const pairs = Math.floor((max - first + 1) / 2);
  if (pairs < count)
    throw new RangeError(
      `port range ${min}-${max} holds ${pairs} RTP/RTCP pairs, fewer than ${count} relay workers`,
    );
  const per = Math.floor(pairs / count);
  return Array.from({ length: count }, (_, i) => {
    const portMin = first + i * per * 2;
    const portMax = i === count - 1 ? max : portMin + per * 2 - 1;
    return { portMin, portMax };
  });
}

function engineOptions(options: EnginesOptions): Omit<WorkerOptions, 'portMin' | 'portMax'> {
  const out: Omit<WorkerOptions, 'portMin' | 'portMax'> = {
    address: options.address,
    timeoutMs: options.timeoutMs,
  };
  if (options.receiver !== undefined) out.receiver = options.receiver;
  if (options.dscp !== undefined) out.dscp = options.dscp;
  return out;
}

function engineCount(count: number): number {
  return count > 0 ? count : availableParallelism();
}

/** What an engine that never started has counted. */
function idleCounters(): RelayCounters {
  return {
    packets: 0,
    bytes: 0,
    dropped: { source: 0, malformed: 0, unrouted: 0, send: 0, srtp: 0, stun: 0, dtls: 0, consent: 0 },
    forked: 0,
    endpoints: 0,
    unmarked: 0,
  };
}

/**
 * Engines on worker threads (node:worker_threads): the packet path off the signalling thread.
 * The threads start with the first call's request, not with the node: each is a V8 isolate of
 * its own (about 10 MiB of PSS at rest), and a node that only registers phones or proxies
 * signalling never relays a packet. /metrics reads of counters do not start them.
 */
export class WorkerEngines implements RelayEngines {
  readonly size: number;
  private workers: Worker[] | undefined;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private seq = 0;
  private closed = false;

  constructor(
    private readonly options: EnginesOptions,
    private readonly script: URL = new URL('./worker.js', import.meta.url),
  ) {
    this.size = engineCount(options.count);
    // Checked now, so a port range too small for the workers fails the node's start.
    portSlices(options.portMin, options.portMax, this.size);
  }

  /** Whether the worker threads run (they start with the first request other than counters). */
  get started(): boolean {
    return this.workers !== undefined;
  }

  private start(): Worker[] {
    const options = this.options;
    return portSlices(options.portMin, options.portMax, this.size).map((slice) => {
      const data: WorkerOptions = { ...slice, ...engineOptions(options) };
      const worker = new Worker(this.script, { workerData: data });
      worker.on('message', (message: WorkerMessage) => {
        if (message.kind === 'event') {
          options.onEvent(message.event);
          return;
        }
        if (message.kind === 'warning') {
          options.onWarning?.(message.message);
          return;
        }
        const entry = this.pending.get(message.seq);
        if (entry === undefined) return;
        this.pending.delete(message.seq);
        if (message.error !== undefined) entry.reject(new Error(message.error));
        else entry.resolve(message.result);
      });
      worker.on('error', (error) => this.failAll(error));
      worker.unref();
      return worker;
    });
  }

  private failAll(error: Error): void {
    for (const entry of this.pending.values()) entry.reject(error);
    this.pending.clear();
  }

  request(engine: number, request: WorkerRequest): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('media relay closed'));
    if (this.workers === undefined && request.op === 'counters') return Promise.resolve(idleCounters());
    this.workers ??= this.start();
    const worker = this.workers[engine]!;
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      worker.postMessage({ seq, request });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const workers = this.workers;
    if (workers === undefined) {
      this.closed = true;
      return;
    }
    await Promise.all(workers.map((_, i) => this.request(i, { op: 'close' }).catch(() => undefined)));
    this.closed = true;
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * Engines on the calling thread: for tests (vitest runs the TypeScript sources, which a worker
 * thread cannot load) and for an injected clock.
 */
export class InlineEngines implements RelayEngines {
  readonly size: number;
  readonly engines: RelayEngine[];

  constructor(options: EnginesOptions, now: () => number = Date.now) {
    this.size = engineCount(options.count);
    this.engines = portSlices(options.portMin, options.portMax, this.size).map(
      (slice) =>
        new RelayEngine({ ...slice, ...engineOptions(options) }, options.onEvent, now, options.onWarning),
    );
  }

  async request(engine: number, request: WorkerRequest): Promise<unknown> {
    const e = this.engines[engine]!;
    switch (request.op) {
      case 'allocate':
        return e.allocate(request.count);
      case 'configure':
        return e.configure(request.id, request.config);
      case 'stats':
        return e.stats(request.ids);
      case 'release':
        return e.release(request.ids);
      case 'counters':
        return e.counters;
      case 'certificate':
        return e.setCertificate(request.certPem, request.keyPem);
      case 'close':
        return e.close();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.engines.map((e) => e.close()));
  }
}
