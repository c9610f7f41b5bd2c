import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/index.js';
import { createMetricsRegistry } from '../../../src/metrics/index.js';
import { registerTrunkMetrics, startTrunks } from '../../../src/node-trunks.js';
import { SqliteProvisioningStore } from '../../../src/store/index.js';
import { newAuthenticator } from '../registrar/fakes.js';

describe('trunk metrics', () => {
  let store: SqliteProvisioningStore;
  beforeEach(async () => {
    store = await SqliteProvisioningStore.open(':memory:');
  });
  afterEach(async () => {
    await store.close();
  });

  it('expose LCR decisions by result, failovers per trunk and INVITEs in progress per gateway', async () => {
    const trunks = await startTrunks(
      defaultConfig().trunks,
      store.trunks,
      newAuthenticator(Date.now),
      pino({ level: 'silent' }),
    );
    trunks.tables.stop();
    const metrics = createMetricsRegistry({ defaultMetrics: false });
    registerTrunkMetrics(metrics, trunks);
    const dialer = trunks.services.dialer;
    dialer.decisions.routed = 5;
    dialer.decisions.noRoute = 2;
    dialer.failovers.set('carrier-a', 3);
    trunks.dispatcher.callStarted('gw-1');
    trunks.dispatcher.callStarted('gw-1');
    const text = await metrics.metrics();
    expect(text).toContain('switchboard_lcr_decisions_total{result="routed"} 5');
    expect(text).toContain('switchboard_lcr_decisions_total{result="no_route"} 2');
    expect(text).toContain('switchboard_lcr_decisions_total{result="no_gateway"} 0');
    expect(text).toContain('switchboard_trunk_failovers_total{trunk="carrier-a"} 3');
    expect(text).toContain('switchboard_gateway_invites_in_progress{gateway="gw-1"} 2');
    trunks.dispatcher.callEnded('gw-1');
    trunks.dispatcher.callEnded('gw-1');
    expect(await metrics.metrics()).not.toContain('switchboard_gateway_invites_in_progress{gateway="gw-1"}');
  });
});
