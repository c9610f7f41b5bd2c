import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until, untilDefined } from '../support/until.js';
import { BaresipUa } from './baresip-process.js';
import { type CarrierProcess, startCarrier } from './carrier-process.js';
import { carrierCalls } from './carrier-uac.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { switchboardBuilt, switchboardEntry } from './repo.js';
import { describeSipp } from './sipp.js';
import { prepareTrunkNode, startTrunkNode, type TrunkNode } from './trunk-node.js';
import { writeToneWav } from './wav.js';

// Kamailio 5.6 as a carrier that sends inbound calls only to a registered customer: it challenges
// REGISTER with Digest (qop=auth) and grants at most 4 s. The node registers its trunk there
// (answering the 401), follows the granted expiry and refreshes before it runs out, shows the state
// in the API and /metrics, and removes the binding when it stops. A PSTN caller (SIPp) calls the
// DID at the carrier; the carrier sends the call to the trunk's registered Contact (DID in To); the
// node gives it to the subscriber who has that number (baresip, registered on the node).
const kamailio = requirePeer('kamailio', 'kamailio');
const kamailioMissing = kamailio ? undefined : missingPeerReason('kamailio', 'kamailio');
const sipp = requirePeer('sipp', 'sip-tester');
const baresip = requirePeer('baresip', 'baresip');
const callMissing = [
  sipp ? undefined : missingPeerReason('sipp', 'sip-tester'),
  baresip ? undefined : missingPeerReason('baresip', 'baresip'),
].filter((r) => r !== undefined);
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
const BOB = { username: 'bob', password: 'bob-Secret-8' };

interface Registration {
  trunk: string;
  state: string;
  expires?: number;
  aor: string;
  contact: string;
  failures: number;
}

describe.skipIf(!kamailio || unbuilt)(
  suiteTitle('trunk registration at Kamailio as a carrier', [kamailioMissing, unbuilt]),
  () => {
    let carrier: CarrierProcess;
    let node: TrunkNode;
    let bob: BaresipUa | undefined;
    let toneDir: string | undefined;

    beforeAll(async () => {
      carrier = await startCarrier(kamailio!, CARRIER);
      const prepared = await prepareTrunkNode();
      await prepared.cli(['domain', 'add', DOMAIN]);
      await prepared.cli(['subscriber', 'add', `${BOB.username}@${DOMAIN}`, '--password', BOB.password]);
      await prepared.cli(['number', 'add', CARRIER.did, `${BOB.username}@${DOMAIN}`]);
      await prepared.cli([
        'trunk',
        'add',
        'carrier',
        '--inbound-cidr',
        `${CARRIER.address}/32`,
        '--register-uri',
        `sip:${CARRIER.address}:${carrier.port}`,
        '--register-username',
        CARRIER.username,
        '--register-password',
        CARRIER.password,
      ]);
      // A second account at the same carrier, with a password the carrier does not take.
      await prepared.cli([
        'trunk',
        'add',
        'mistyped',
        '--register-uri',
        `sip:${CARRIER.address}:${carrier.port}`,
        '--register-username',
        'acct9',
        '--register-password',
        'not-the-password',
      ]);
      node = await startTrunkNode(prepared, { domain: DOMAIN });
    }, 60_000);

    afterAll(async () => {
      await bob?.stop();
      bob?.cleanup();
      if (toneDir) rmSync(toneDir, { recursive: true, force: true });
      if (node) {
        await node.stop();
        node.cleanup();
      }
      await carrier?.stop();
    });

    const report = () => `${carrier.log().join('\n')}\n${node.report()}\n${carrier.report()}`;

    it('registers through the digest challenge, with the expiry the carrier granted', async () => {
      const registration = await untilDefined(
        async () => {
          const { body } = await node.get<Registration>('/v1/trunk-registrations/carrier');
          return body.state === 'registered' ? body : undefined;
        },
        10_000,
        'registered',
        100,
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
      const status = await node.cliApi(['trunk', 'status']);
      expect(status).toMatch(
        new RegExp(`carrier\\s+registered\\s+sip:${CARRIER.address}:${carrier.port}\\s`),
      );
    }, 20_000);

    it('shows a registration the carrier refuses as failed, with its answer and the next attempt', async () => {
      const failed = await untilDefined(
        async () => {
          const { body } = await node.get<
            Registration & { lastStatus?: number; lastError?: string; nextAttemptAt?: string }
          >('/v1/trunk-registrations/mistyped');
          return body.state === 'failed' ? body : undefined;
        },
        10_000,
        'failed',
        100,
      ).catch((e: Error) => {
        throw new Error(`${e.message}\n${report()}`);
      });
      expect(failed).toMatchObject({ lastStatus: 401, lastError: '401 Unauthorized' });
      expect(failed.failures).toBeGreaterThanOrEqual(1);
      // Retried after the back-off (5 s first).
      expect(Date.parse(failed.nextAttemptAt ?? '')).toBeGreaterThan(Date.now());
      expect(
        carrier.log().some((l) => l.includes('contact <sip:acct9@')),
        report(),
      ).toBe(false);
      const metrics = await (await fetch(`http://127.0.0.1:${node.apiPort}/metrics`)).text();
      expect(metrics).toContain('switchboard_trunk_registered{trunk="mistyped"} 0');
      expect(await node.cliApi(['trunk', 'status', 'mistyped'])).toMatch(
        /mistyped\s+failed\s.*401 Unauthorized/,
      );
    }, 20_000);

    it('refreshes before the granted expiry runs out, on one Call-ID with rising CSeq', async () => {
      const saved = () =>
        carrier.log().filter((l) => / contact <sip:acct1@/.test(l) && !/expires 0 /.test(l));
      const before = saved().length;
      // Granted 4 s: a refresh every 2 s; three more within 8 s.
      await until(() => saved().length >= before + 3, 8_000, 'three refreshes', 100).catch((e: Error) => {
        throw new Error(`${e.message}\n${report()}`);
      });
      const cseqs = saved().map((l) => Number(/cseq (\d+)/.exec(l)?.[1]));
      for (let i = 1; i < cseqs.length; i++) expect(cseqs[i]!).toBeGreaterThan(cseqs[i - 1]!);
      const { body } = await node.get<Registration>('/v1/trunk-registrations/carrier');
      expect(body.state).toBe('registered');
    }, 15_000);

    it.skipIf(callMissing.length > 0)(
      `a call to the DID at the carrier reaches the subscriber with that number${callMissing.length > 0 ? ` [skipped: ${callMissing.join('; ')}]` : ''}`,
      async () => {
        toneDir = mkdtempSync(join(tmpdir(), 'sb-tones-'));
        writeToneWav(join(toneDir, 'bob.wav'), 1000, 30);
        bob = await BaresipUa.start(baresip!, {
          name: 'bob',
          user: BOB.username,
          domain: DOMAIN,
          password: BOB.password,
          registrarPort: node.port,
          toneWav: join(toneDir, 'bob.wav'),
          autoAnswer: true,
        });
        await bob.waitForLog(/\{0\/UDP\/v4\} 200 OK/, 15_000);
        const result = await carrierCalls(sipp!, {
          target: `${CARRIER.address}:${carrier.port}`,
          from: '127.0.0.1',
          did: CARRIER.did,
        });
        const why = `${describeSipp(result)}\n${result.messages?.slice(-4000)}\n${report()}\n${bob.report()}`;
        expect(result.successful, why).toBe(1);
        expect(result.failed, why).toBe(0);
        await bob.waitForEvent((e) => e.type === 'CALL_ESTABLISHED', 5_000);
        // The carrier sent it to the trunk's registered Contact, the DID in To.
        expect(
          carrier
            .log()
            .some((l) =>
              l.includes(
                `INVITE to DID ${CARRIER.did} sent to sip:${CARRIER.username}@127.0.0.1:${node.port}`,
              ),
            ),
          why,
        ).toBe(true);
      },
      60_000,
    );

    it('removes the binding (Expires: 0) when the node stops', async () => {
      const exit = await node.stop();
      expect(exit.killed, node.report()).toBe(false);
      expect(exit.code, node.report()).toBe(0);
      await until(
        () => carrier.log().some((l) => / expires 0 cseq/.test(l)),
        3_000,
        'unregistered',
        100,
      ).catch((e: Error) => {
        throw new Error(`${e.message}\n${report()}`);
      });
    }, 15_000);
  },
);
