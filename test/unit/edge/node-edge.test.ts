import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/index.js';
import { type EdgeEvent, InProcessEventBus } from '../../../src/events/index.js';
import { createMetricsRegistry } from '../../../src/metrics/index.js';
import { startEdge } from '../../../src/node-edge.js';

describe("a node's edge (startEdge)", () => {
  it('publishes edge.banned and edge.unbanned, counts in /metrics, and never bans its own or trunk addresses', async () => {
    const events = new InProcessEventBus();
    const seen: EdgeEvent[] = [];
    events.subscribe('edge.*', (e) => seen.push(e as EdgeEvent));
    const metrics = createMetricsRegistry({ defaultMetrics: false });
    const config = defaultConfig();
    config.sip.listen = ['127.0.0.2'];
    config.overload.maxEventLoopDelay = 0;
    const edge = startEdge(config, events, metrics, pino({ level: 'silent' }), (a) => a === '203.0.113.5');
    try {
      edge.guard.authenticationFailed('198.51.100.7', 10);
      expect(seen).toEqual([
        expect.objectContaining({ type: 'edge.banned', address: '198.51.100.7', reason: 'auth' }),
      ]);
      expect(edge.guard.lift('198.51.100.7')).toBe(true);
      expect(seen[1]).toMatchObject({ type: 'edge.unbanned', address: '198.51.100.7', ended: 'lifted' });
      expect(() => edge.guard.banManually('127.0.0.2', undefined)).toThrow(/allowed/);
      expect(() => edge.guard.banManually('203.0.113.5', undefined)).toThrow(/allowed/);
      const text = await metrics.registry.metrics();
      expect(text).toContain('switchboard_edge_bans_total{reason="auth"} 1');
      expect(text).toContain('switchboard_edge_bans_active 0');
    } finally {
      edge.close();
      await events.close();
    }
  });
});
