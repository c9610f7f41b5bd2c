import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { OverloadControl, StackLoad } from '../sip/stack/index.js';

export interface OverloadOptions {
  /** Live server transactions at most; past it new requests get 503 (0: no bound). */
  maxServerTransactions: number;
  /** Event-loop delay (ms) past which the node counts as saturated (0: not measured). */
  maxEventLoopDelayMs: number;
  /** Seconds sent in Retry-After. */
  retryAfter: number;
  /** The event-loop delay now, in ms (injected in tests; by default measured, see EventLoopLag). */
  eventLoopDelay?: () => number;
}

/** Why the node refused requests: the bound it crossed. */
export type OverloadCause = 'transactions' | 'event-loop';

/**
 * The node's saturation test (issue 11 part 5): live server transactions past a bound (the
 * stack's queue: each is a request taken and not yet answered, its async stages included),
 * or an event loop that lags (requests wait in the socket buffers and in promise queues).
 */
export class OverloadMonitor implements OverloadControl {
  readonly refused: Record<OverloadCause, number> = { transactions: 0, 'event-loop': 0 };

  constructor(private readonly options: OverloadOptions) {}

  retryAfter(load: StackLoad): number | undefined {
    const cause = this.cause(load);
    if (cause === undefined) return undefined;
    this.refused[cause]++;
    return this.options.retryAfter;
  }

  cause(load: StackLoad): OverloadCause | undefined {
    const { maxServerTransactions, maxEventLoopDelayMs, eventLoopDelay } = this.options;
    if (maxServerTransactions > 0 && load.serverTransactions >= maxServerTransactions) return 'transactions';
    if (maxEventLoopDelayMs > 0 && eventLoopDelay && eventLoopDelay() > maxEventLoopDelayMs)
      return 'event-loop';
    return undefined;
  }
}

/** The event-loop delay histogram's sampling interval (ms). */
const SAMPLE_MS = 100;

/**
 * The event loop's sustained delay: the lowest of the last `periods` half-second means
 * (perf_hooks' monitorEventLoopDelay). One stall (a full GC, a slow synchronous call) spoils one
 * period only; a backlog that keeps the loop late for all of them is saturation.
 */
export class EventLoopLag {
  private readonly histogram: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private readonly means: number[] = [];

  constructor(
    periodMs = 500,
    private readonly periods = 4,
  ) {
    // A sample every 100 ms, not perf_hooks' default 10: each sample is a timer that wakes an idle
    // loop (100 wakeups/s at rest), and against a 200 ms bound five samples per period suffice.
    this.histogram = monitorEventLoopDelay({ resolution: SAMPLE_MS });
    this.histogram.enable();
    this.timer = setInterval(() => {
      // Nanoseconds; NaN before the first sample.
      const mean = this.histogram.mean;
      this.means.push(Number.isFinite(mean) ? mean / 1e6 : 0);
      if (this.means.length > this.periods) this.means.shift();
      this.histogram.reset();
    }, periodMs);
    this.timer.unref();
  }

  /** The lowest mean delay of the last periods, ms (0 until they have all been measured). */
  get ms(): number {
    if (this.means.length < this.periods) return 0;
    return Math.min(...this.means);
  }

  close(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
