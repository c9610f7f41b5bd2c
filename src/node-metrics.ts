import { getHeapStatistics } from 'node:v8';
import type { GatewayHealthStatus } from './gateway-health/index.js';
import type { IdleCollector } from './memory/index.js';
import type { MetricsRegistry } from './metrics/index.js';
import type { NodeServices } from './node.js';
import type { SipStack } from './sip/stack/index.js';
import type { TrunkRegistrationStatus } from './trunk-registration/index.js';

/**
 * Gauges of what a node holds, read when /metrics is scraped: the live state memory is
 * proportional to (docs/sizing.md gives bytes per unit), beside prom-client's heap figures.
 */
export function registerStateMetrics(
  metrics: MetricsRegistry,
  stack: SipStack,
  services: NodeServices | undefined,
  memory: { heapGrowthPercent: number; idleCollector: IdleCollector | undefined },
): void {
  metrics.gauge({
    name: 'sip_transactions',
    help: 'Live SIP transactions by side (client, server) and kind (invite, non_invite)',
    labelNames: ['side', 'kind'],
    collect() {
      const { client, server } = stack.transactions.stats();
      this.set({ side: 'client', kind: 'invite' }, client.invite);
      this.set({ side: 'client', kind: 'non_invite' }, client.nonInvite);
      this.set({ side: 'server', kind: 'invite' }, server.invite);
      this.set({ side: 'server', kind: 'non_invite' }, server.nonInvite);
    },
  });
  metrics.gauge({
    name: 'sip_completed_server_transactions',
    help: 'Non-INVITE server transactions kept as their final response for Timer J (RFC 3261 §17.2.2)',
    collect() {
      this.set(stack.transactions.stats().completedServers);
    },
  });
  metrics.gauge({
    name: 'v8_heap_size_limit_bytes',
    help: "V8's heap limit (memory.heapLimit, else V8's default)",
    collect() {
      this.set(getHeapStatistics().heap_size_limit);
    },
  });
  metrics
    .gauge({
      name: 'v8_heap_growing_percent',
      help: 'memory.heapGrowth: V8 heap growth between full collections',
    })
    .set(memory.heapGrowthPercent);
  const collector = memory.idleCollector;
  if (collector) {
    metrics.gauge({
      name: 'memory_idle_collections',
      help: 'Full garbage collections run because a burst of traffic was over (memory.collectWhenIdle)',
      collect() {
        this.set(collector.collections);
      },
    });
  }
  if (!services) return;
  metrics.gauge({
    name: 'registrations',
    help: 'Registered contacts (bindings) in the location service',
    collect() {
      this.set(services.location.size);
    },
  });
  metrics.gauge({
    name: 'location_pending_writes',
    help: 'Binding changes not yet written to the store (write-back)',
    collect() {
      this.set(services.location.pendingWrites);
    },
  });
  metrics.gauge({
    name: 'credential_cache_entries',
    help: 'Subscribers whose credentials are cached (auth.credentialCacheTtl)',
    collect() {
      this.set(services.credentials.size);
    },
  });
}

/**
 * Gateway probing and trunk registration states, read when /metrics is scraped: one series per
 * probed gateway and per registering trunk, gone with the gateway or trunk.
 */
export function registerCarrierMetrics(
  metrics: MetricsRegistry,
  gateways: { list(): GatewayHealthStatus[] },
  registrations: { list(): TrunkRegistrationStatus[] },
): void {
  metrics.gauge({
    name: 'gateway_up',
    help: 'Whether OPTIONS probing has the gateway in service (1) or out of it (0); absent until first probed',
    labelNames: ['gateway', 'trunk'],
    collect() {
      this.reset();
      for (const s of gateways.list()) {
        if (s.state !== 'unknown')
          this.set({ gateway: s.id, trunk: s.trunk ?? '' }, s.state === 'up' ? 1 : 0);
      }
    },
  });
  metrics.counter({
    name: 'gateway_probes_total',
    help: 'OPTIONS probes of the gateway finished, by result (ok, failed)',
    labelNames: ['gateway', 'trunk', 'result'],
    collect() {
      this.reset();
      for (const s of gateways.list()) {
        const labels = { gateway: s.id, trunk: s.trunk ?? '' };
        this.inc({ ...labels, result: 'ok' }, s.probes - s.failures);
        this.inc({ ...labels, result: 'failed' }, s.failures);
      }
    },
  });
  metrics.gauge({
    name: 'trunk_registered',
    help: "Whether the node's registration at the trunk's carrier is in force (1) or not (0)",
    labelNames: ['trunk'],
    collect() {
      this.reset();
      for (const s of registrations.list()) this.set({ trunk: s.trunk }, s.state === 'registered' ? 1 : 0);
    },
  });
  metrics.gauge({
    name: 'trunk_registration_expires_seconds',
    help: 'Seconds left of the binding the carrier granted, for registered trunks',
    labelNames: ['trunk'],
    collect() {
      this.reset();
      const now = Date.now();
      for (const s of registrations.list()) {
        if (s.state === 'registered' && s.expiresAt !== undefined)
          this.set({ trunk: s.trunk }, Math.max(0, Math.round((s.expiresAt - now) / 1000)));
      }
    },
  });
}
