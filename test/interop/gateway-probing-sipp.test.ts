import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE_FILE, SqliteProvisioningStore } from '../../src/store/index.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { repoRoot, switchboardBuilt, switchboardEntry } from './repo.js';
import { type SippUas, startSippUas } from './sipp.js';
import { prepareTrunkNode, startTrunkNode, type TrunkNode } from './trunk-node.js';

// SIPp UASes as a carrier's two gateways, probed with OPTIONS every second: one that stops is out
// of service within two probe intervals; one that takes calls but no longer answers OPTIONS stays
// out; answering again puts it back.
const sipp = requirePeer('sipp', 'sip-tester');
const sippMissing = sipp ? undefined : missingPeerReason('sipp', 'sip-tester');
const unbuilt = switchboardBuilt() ? undefined : `${switchboardEntry} missing: run npm run build`;
const scenario = (name: string) => join(repoRoot, 'test', 'interop', 'scenarios', name);
const PROBE_INTERVAL_S = 1;

interface GatewayHealth {
  id: string;
  state: 'unknown' | 'up' | 'down';
  probes: number;
  failures: number;
  lastError?: string;
}

async function until<T>(check: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!sipp || unbuilt)(
  suiteTitle('gateway probing: SIPp gateways answering OPTIONS', [sippMissing, unbuilt]),
  () => {
    let node: TrunkNode;
    let gatewayA: SippUas;
    let gatewayB: SippUas;

    const health = async (id: string) => (await node.get<GatewayHealth>(`/v1/gateway-health/${id}`)).body;
    const state = (id: string, wanted: GatewayHealth['state']) => async () => {
      const h = await health(id);
      return h.state === wanted ? h : undefined;
    };
    const report = () => `${node.report()}\n${gatewayA.child.report()}\n${gatewayB.child.report()}`;

    beforeAll(async () => {
      gatewayA = await startSippUas(sipp!, { transport: 'udp', scenario: scenario('gateway-uas.xml') });
      gatewayB = await startSippUas(sipp!, { transport: 'udp', scenario: scenario('gateway-uas.xml') });
      const prepared = await prepareTrunkNode();
      await prepared.cli(['domain', 'add', 'example.com']);
      const store = await SqliteProvisioningStore.open(join(prepared.dataDir, SQLITE_FILE));
      try {
        await store.trunks.addTrunk({ name: 'carrier' });
        for (const [id, gateway, priority] of [
          ['gw-a', gatewayA, 1],
          ['gw-b', gatewayB, 2],
        ] as const) {
          await store.trunks.addGateway({
            id,
            trunk: 'carrier',
            uri: `sip:127.0.0.1:${gateway.port}`,
            priority,
            probe: true,
          });
        }
      } finally {
        await store.close();
      }
      node = await startTrunkNode(prepared, {
        domain: 'example.com',
        env: {
          SWITCHBOARD_GATEWAYS_PROBE_INTERVAL: String(PROBE_INTERVAL_S),
          SWITCHBOARD_GATEWAYS_PROBE_TIMEOUT: String(PROBE_INTERVAL_S),
        },
      });
    }, 60_000);

    afterAll(async () => {
      if (node) {
        await node.stop();
        node.cleanup();
      }
      await gatewayA?.stop();
      await gatewayB?.stop();
    });

    it('has both gateways up once they answer OPTIONS', async () => {
      await until(state('gw-a', 'up'), 5_000, 'gw-a up');
      await until(state('gw-b', 'up'), 5_000, 'gw-b up');
      const metrics = await (await fetch(`http://127.0.0.1:${node.apiPort}/metrics`)).text();
      expect(metrics).toContain('switchboard_gateway_up{gateway="gw-a",trunk="carrier"} 1');
      expect(metrics).toContain('switchboard_gateway_up{gateway="gw-b",trunk="carrier"} 1');
    }, 10_000);

    it('marks a gateway that stopped down within two probe intervals', async () => {
      await gatewayA.stop();
      const stoppedAt = Date.now();
      const down = await until(state('gw-a', 'down'), 2 * PROBE_INTERVAL_S * 1000 + 1_000, 'gw-a down').catch(
        (e: Error) => {
          throw new Error(`${e.message}\n${report()}`);
        },
      );
      // The first probe after the stop failed (probeFailures 1): within probeInterval + probeTimeout.
      expect(down.lastError).toBe('timeout');
      expect(Date.now() - stoppedAt).toBeLessThanOrEqual(2 * PROBE_INTERVAL_S * 1000 + 1_000);
      expect((await health('gw-b')).state).toBe('up');
      const metrics = await (await fetch(`http://127.0.0.1:${node.apiPort}/metrics`)).text();
      expect(metrics).toContain('switchboard_gateway_up{gateway="gw-a",trunk="carrier"} 0');
    }, 10_000);

    it('keeps a gateway that takes calls but ignores OPTIONS out of service', async () => {
      gatewayA = await startSippUas(sipp!, {
        transport: 'udp',
        scenario: scenario('gateway-calls-only.xml'),
        ports: gatewayA.ports,
      });
      const before = await health('gw-a');
      await until(
        async () => {
          const h = await health('gw-a');
          return h.probes >= before.probes + 3 ? h : undefined;
        },
        6_000,
        'three more probes',
      );
      expect(await health('gw-a'), report()).toMatchObject({ state: 'down', lastError: 'timeout' });
    }, 10_000);

    it('puts the gateway back in service on its first answer', async () => {
      await gatewayA.stop();
      gatewayA = await startSippUas(sipp!, {
        transport: 'udp',
        scenario: scenario('gateway-uas.xml'),
        ports: gatewayA.ports,
      });
      const restartedAt = Date.now();
      await until(state('gw-a', 'up'), 2 * PROBE_INTERVAL_S * 1000 + 1_000, 'gw-a up again').catch(
        (e: Error) => {
          throw new Error(`${e.message}\n${report()}`);
        },
      );
      expect(Date.now() - restartedAt).toBeLessThanOrEqual(2 * PROBE_INTERVAL_S * 1000 + 1_000);
    }, 10_000);
  },
);
