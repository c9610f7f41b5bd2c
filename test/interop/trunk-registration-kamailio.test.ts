import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE_FILE, SqliteProvisioningStore } from '../../src/store/index.js';
import { type CarrierProcess, startCarrier } from './carrier-process.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { switchboardBuilt, switchboardEntry } from './repo.js';
import { prepareTrunkNode, startTrunkNode, type TrunkNode } from './trunk-node.js';

// Kamailio 5.6 as a carrier that sends inbound calls only to a registered customer: it challenges
// REGISTER with Digest (qop=auth) and grants at most 4 s. The node registers its trunk there
// (answering the 401), follows the granted expiry and refreshes before it runs out, shows the state
// in the API and /metrics, and removes the binding when it stops.
const kamailio = requirePeer('kamailio', 'kamailio');
const kamailioMissing = kamailio ? undefined : missingPeerReason('kamailio', 'kamailio');
const unbuilt = switchboardBuilt() ? undefined : `${switchboardEntry} missing: run npm run build`;

const CARRIER = {
  address: '127.0.0.2',
  realm: 'carrier.test',
  username: 'acct1',
  password: 'Carrier-Secret-7',
  did: '+14155550123',
  maxExpires: 4,
};
const DOMAIN = 'example.com';

interface Registration {
  trunk: string;
  state: string;
  expires?: number;
  aor: string;
  contact: string;
  failures: number;
}

/** Poll until `check` returns something, for at most `ms`. */
async function until<T>(
  check: () => T | undefined | Promise<T | undefined>,
  ms: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!kamailio || unbuilt)(
  suiteTitle('trunk registration at Kamailio as a carrier', [kamailioMissing, unbuilt]),
  () => {
    let carrier: CarrierProcess;
    let node: TrunkNode;

    beforeAll(async () => {
      carrier = await startCarrier(kamailio!, CARRIER);
      const prepared = await prepareTrunkNode();
      await prepared.cli(['domain', 'add', DOMAIN]);
      const store = await SqliteProvisioningStore.open(join(prepared.dataDir, SQLITE_FILE));
      try {
        await store.trunks.addTrunk({
          name: 'carrier',
          inboundCidrs: [`${CARRIER.address}/32`],
          registration: {
            registrar: `sip:${CARRIER.address}:${carrier.port}`,
            username: CARRIER.username,
            password: CARRIER.password,
            expires: 3600,
          },
        });
      } finally {
        await store.close();
      }
      node = await startTrunkNode(prepared, { domain: DOMAIN });
    }, 60_000);

    afterAll(async () => {
      if (node) {
        await node.stop();
        node.cleanup();
      }
      await carrier?.stop();
    });

    const report = () => `${carrier.log().join('\n')}\n${node.report()}\n${carrier.report()}`;

    it('registers through the digest challenge, with the expiry the carrier granted', async () => {
      const registration = await until(
        async () => {
          const { body } = await node.get<Registration>('/v1/trunk-registrations/carrier');
          return body.state === 'registered' ? body : undefined;
        },
        10_000,
        'registered',
      ).catch((e: Error) => {
        throw new Error(`${e.message}\n${report()}`);
      });
      expect(registration).toMatchObject({
        trunk: 'carrier',
        expires: CARRIER.maxExpires,
        aor: `sip:${CARRIER.username}@${CARRIER.address}`,
        contact: `sip:${CARRIER.username}@127.0.0.1:${node.port}`,
        failures: 0,
      });
      const log = carrier.log();
      expect(
        log.some((l) => l.startsWith('carrier: REGISTER') && l.includes('challenged')),
        report(),
      ).toBe(true);
      expect(
        log.some((l) => l.startsWith(`carrier: REGISTER sip:${CARRIER.username}@${CARRIER.address} contact`)),
        report(),
      ).toBe(true);
      const metrics = await (await fetch(`http://127.0.0.1:${node.apiPort}/metrics`)).text();
      expect(metrics).toContain('switchboard_trunk_registered{trunk="carrier"} 1');
    }, 20_000);

    it('refreshes before the granted expiry runs out, on one Call-ID with rising CSeq', async () => {
      const saved = () =>
        carrier.log().filter((l) => / contact <sip:acct1@/.test(l) && !/expires 0 /.test(l));
      const before = saved().length;
      // Granted 4 s: a refresh every 2 s; three more within 8 s.
      await until(() => (saved().length >= before + 3 ? true : undefined), 8_000, 'three refreshes').catch(
        (e: Error) => {
          throw new Error(`${e.message}\n${report()}`);
        },
      );
      const cseqs = saved().map((l) => Number(/cseq (\d+)/.exec(l)?.[1]));
      for (let i = 1; i < cseqs.length; i++) expect(cseqs[i]!).toBeGreaterThan(cseqs[i - 1]!);
      const { body } = await node.get<Registration>('/v1/trunk-registrations/carrier');
      expect(body.state).toBe('registered');
    }, 15_000);

    it('removes the binding (Expires: 0) when the node stops', async () => {
      const exit = await node.stop();
      expect(exit.killed, node.report()).toBe(false);
      expect(exit.code, node.report()).toBe(0);
      await until(
        () => (carrier.log().some((l) => / expires 0 cseq/.test(l)) ? true : undefined),
        3_000,
        'unregistered',
      ).catch((e: Error) => {
        throw new Error(`${e.message}\n${report()}`);
      });
    }, 15_000);
  },
);
