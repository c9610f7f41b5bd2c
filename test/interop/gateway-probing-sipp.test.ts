import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { untilDefined } from '../support/until.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { repoRoot, switchboardBuilt, switchboardEntry } from './repo.js';
import { describeSipp, runSipp, type SippUas, sippPorts, startSippUas } from './sipp.js';
import { prepareTrunkNode, startTrunkNode, type TrunkNode } from './trunk-node.js';

// SIPp UASes as a carrier's two gateways (A first by priority, B second), probed with OPTIONS every
// second, and a subscriber (SIPp with digest credentials) calling numbers that least-cost routing
// sends to the carrier. A that stops is out of service within two probe intervals and new calls go
// to B only; A back up taking calls but not answering OPTIONS still gets none; A answering again
// is back in service and gets the calls.
const sipp = requirePeer('sipp', 'sip-tester');
const sippMissing = sipp ? undefined : missingPeerReason('sipp', 'sip-tester');
const unbuilt = switchboardBuilt() ? undefined : `${switchboardEntry} missing: run npm run build`;
const scenario = (name: string) => join(repoRoot, 'test', 'interop', 'scenarios', name);
const PROBE_INTERVAL_S = 1;
const ALICE = { username: 'alice', password: 'alice-Secret-9' };
const CALLS = 3;

/** INVITEs a SIPp instance received, from its -trace_msg log. */
function invitesIn(messageFile: string): number {
  if (!existsSync(messageFile)) return 0;
  return [...readFileSync(messageFile, 'latin1').matchAll(/message received \[\d+\] bytes :\s*\n\s*INVITE /g)]
    .length;
}

interface GatewayHealth {
  id: string;
  state: 'unknown' | 'up' | 'down';
  probes: number;
  failures: number;
  lastError?: string;
}

describe.skipIf(!sipp || unbuilt)(
  suiteTitle('gateway probing: SIPp gateways answering OPTIONS and taking least-cost-routed calls', [
    sippMissing,
    unbuilt,
  ]),
  () => {
    let node: TrunkNode;
    let gatewayA: SippUas;
    let gatewayB: SippUas;
    let logDir: string;
    let logA: string;
    const logB = () => join(logDir, 'gateway-b.log');

    /** A gateway SIPp logging every message to `file`. */
    const gateway = (name: string, file: string, ports?: SippUas['ports']) =>
      startSippUas(sipp!, {
        transport: 'udp',
        scenario: scenario(name),
        extraArgs: ['-trace_msg', '-message_file', file],
        ...(ports ? { ports } : {}),
      });

    /** CALLS calls from alice to an off-net number, one at a time; every one must complete. */
    async function call(): Promise<void> {
      const inf = join(logDir, 'alice.csv');
      writeFileSync(
        inf,
        `SEQUENTIAL\n${ALICE.username};[authentication username=${ALICE.username} password=${ALICE.password}]\n`,
      );
      const ports = await sippPorts();
      const result = await runSipp(
        sipp!,
        [
          `127.0.0.1:${node.port}`,
          '-sf',
          scenario('subscriber-uac-auth.xml'),
          '-inf',
          inf,
          '-s',
          '+442079460000',
          ...ports.args,
          '-m',
          String(CALLS),
          '-l',
          '1',
          '-recv_timeout',
          '10000',
          '-timeout',
          '30',
        ],
        40_000,
        { traceMessages: true },
      );
      const why = `${describeSipp(result)}\n${result.messages?.slice(-3000)}\n${report()}`;
      expect(result.failed, why).toBe(0);
      expect(result.successful, why).toBe(CALLS);
    }

    const health = async (id: string) => (await node.get<GatewayHealth>(`/v1/gateway-health/${id}`)).body;
    const state = (id: string, wanted: GatewayHealth['state']) => async () => {
      const h = await health(id);
      return h.state === wanted ? h : undefined;
    };
    const report = () => `${node.report()}\n${gatewayA.child.report()}\n${gatewayB.child.report()}`;

    beforeAll(async () => {
      logDir = mkdtempSync(join(tmpdir(), 'sb-gateways-'));
      logA = join(logDir, 'gateway-a-1.log');
      gatewayA = await gateway('gateway-uas.xml', logA);
      gatewayB = await gateway('gateway-uas.xml', logB());
      const prepared = await prepareTrunkNode();
      await prepared.cli(['domain', 'add', 'example.com']);
      await prepared.cli([
        'subscriber',
        'add',
        `${ALICE.username}@example.com`,
        '--password',
        ALICE.password,
      ]);
      await prepared.cli(['trunk', 'add', 'carrier']);
      await prepared.cli(['route', 'add', '', 'carrier']);
      await prepared.cli([
        'gateway',
        'add',
        'carrier',
        `sip:127.0.0.1:${gatewayA.port}`,
        '--id',
        'gw-a',
        '--priority',
        '1',
      ]);
      await prepared.cli([
        'gateway',
        'add',
        'carrier',
        `sip:127.0.0.1:${gatewayB.port}`,
        '--id',
        'gw-b',
        '--priority',
        '2',
      ]);
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
      if (logDir) rmSync(logDir, { recursive: true, force: true });
    });

    it('has both gateways up once they answer OPTIONS', async () => {
      await untilDefined(state('gw-a', 'up'), 5_000, 'gw-a up', 50);
      await untilDefined(state('gw-b', 'up'), 5_000, 'gw-b up', 50);
      const metrics = await (await fetch(`http://127.0.0.1:${node.apiPort}/metrics`)).text();
      expect(metrics).toContain('switchboard_gateway_up{gateway="gw-a",trunk="carrier"} 1');
      expect(metrics).toContain('switchboard_gateway_up{gateway="gw-b",trunk="carrier"} 1');
      // Both up: the calls go to A, first by priority.
      await call();
      expect(invitesIn(logA), report()).toBe(CALLS);
      expect(invitesIn(logB()), report()).toBe(0);
    }, 30_000);

    it('marks a gateway that stopped down within two probe intervals', async () => {
      await gatewayA.stop();
      const stoppedAt = Date.now();
      const down = await untilDefined(
        state('gw-a', 'down'),
        2 * PROBE_INTERVAL_S * 1000 + 1_000,
        'gw-a down',
        50,
      ).catch((e: Error) => {
        throw new Error(`${e.message}\n${report()}`);
      });
      // The first probe after the stop failed (probeFailures 1): within probeInterval + probeTimeout.
      expect(down.lastError).toBe('timeout');
      expect(Date.now() - stoppedAt).toBeLessThanOrEqual(2 * PROBE_INTERVAL_S * 1000 + 1_000);
      expect((await health('gw-b')).state).toBe('up');
      const metrics = await (await fetch(`http://127.0.0.1:${node.apiPort}/metrics`)).text();
      expect(metrics).toContain('switchboard_gateway_up{gateway="gw-a",trunk="carrier"} 0');
      const status = await node.cliApi(['gateway', 'status']);
      expect(status).toMatch(/gw-a\s+carrier\s+\S+\s+down\s/);
      expect(status).toMatch(/gw-b\s+carrier\s+\S+\s+up\s/);
      // New calls go to B only.
      await call();
      expect(invitesIn(logB()), report()).toBe(CALLS);
    }, 30_000);

    it('keeps a gateway that takes calls but ignores OPTIONS out of service', async () => {
      logA = join(logDir, 'gateway-a-2.log');
      gatewayA = await gateway('gateway-calls-only.xml', logA, gatewayA.ports);
      const before = await health('gw-a');
      await untilDefined(
        async () => {
          const h = await health('gw-a');
          return h.probes >= before.probes + 3 ? h : undefined;
        },
        6_000,
        'three more probes',
        50,
      );
      expect(await health('gw-a'), report()).toMatchObject({ state: 'down', lastError: 'timeout' });
      // It would take the calls, and gets none of them.
      await call();
      expect(invitesIn(logA), report()).toBe(0);
      expect(invitesIn(logB()), report()).toBe(2 * CALLS);
    }, 30_000);

    it('puts the gateway back in service on its first answer', async () => {
      await gatewayA.stop();
      logA = join(logDir, 'gateway-a-3.log');
      gatewayA = await gateway('gateway-uas.xml', logA, gatewayA.ports);
      const restartedAt = Date.now();
      await untilDefined(state('gw-a', 'up'), 2 * PROBE_INTERVAL_S * 1000 + 1_000, 'gw-a up again', 50).catch(
        (e: Error) => {
          throw new Error(`${e.message}\n${report()}`);
        },
      );
      expect(Date.now() - restartedAt).toBeLessThanOrEqual(2 * PROBE_INTERVAL_S * 1000 + 1_000);
      // Back in service: the calls go to A again.
      await call();
      expect(invitesIn(logA), report()).toBe(CALLS);
      expect(invitesIn(logB()), report()).toBe(2 * CALLS);
    }, 30_000);
  },
);
