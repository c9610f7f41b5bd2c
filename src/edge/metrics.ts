import type { MetricsRegistry } from '../metrics/index.js';
import type { EdgeGuard } from './edge-guard.js';
import type { OverloadMonitor } from './overload.js';
import { BAN_REASONS, DROP_REASONS } from './types.js';

/** Bans, drops and overload refusals in /metrics, read when scraped. */
export function registerEdgeMetrics(
  metrics: MetricsRegistry,
  guard: EdgeGuard,
  overload: OverloadMonitor | undefined,
  eventLoopDelayMs: (() => number) | undefined,
): void {
  metrics.gauge({
    name: 'edge_bans_active',
    help: 'Source addresses banned now (flood, scanner, failed authentications, manual)',
    collect() {
      this.set(guard.bans.size);
    },
  });
  metrics.counter({
    name: 'edge_bans_total',
    help: 'Bans issued since start, by reason (flood, scanner, auth, manual)',
    labelNames: ['reason'],
    collect() {
      this.reset();
      for (const reason of BAN_REASONS) this.inc({ reason }, guard.bansIssued[reason]);
    },
  });
  metrics.counter({
    name: 'edge_packets_dropped_total',
    help: 'Packets dropped unparsed and unanswered, by reason (banned source, the flood or scanner packet that banned it)',
    labelNames: ['reason'],
    collect() {
      this.reset();
      for (const reason of DROP_REASONS) this.inc({ reason }, guard.dropped[reason]);
    },
  });
  if (overload) {
    metrics.counter({
      name: 'sip_overload_rejected_total',
      help: 'New requests answered 503 with Retry-After because the node was saturated, by cause (transactions, event-loop)',
      labelNames: ['cause'],
      collect() {
        this.reset();
        for (const [cause, count] of Object.entries(overload.refused)) this.inc({ cause }, count);
      },
    });
  }
  if (eventLoopDelayMs) {
    metrics.gauge({
      name: 'event_loop_delay_seconds',
      help: 'Event-loop delay sustained over the last 2 s: the lowest of four half-second means (overload.maxEventLoopDelay compares with it)',
      collect() {
        this.set(eventLoopDelayMs() / 1000);
      },
    });
  }
}
