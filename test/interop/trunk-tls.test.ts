import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  aliceCalls,
  type FeatureNode,
  type SippPhone,
  startFeatureNode,
  startSippPhone,
} from './features-node.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { allocatePorts } from './ports.js';
import { registrarUnderTest } from './registrar-process.js';
import {
  connectTlsCaller,
  headerOf,
  startTlsGateway,
  type TlsGateway,
  tlsFixture,
  tlsFixturePath,
} from './tls-sip-peer.js';

// Client certificates per trunk (RFC 5922 §7, mutual TLS between SIP domains). Outbound: alice
// (SIPp, UDP) dials a UK number; least-cost routing sends it to the trunk `carrier`, whose gateway
// is a TLS server that requires a client certificate from the carrier's CA. With the trunk's
// certificate the call is answered; with the node's own (self-signed) one the gateway refuses the
// handshake and the call fails. Inbound: the carrier's edge calls a DID over TLS; its certificate,
// verified with tls.ca, names the trunk (inboundTlsName), so the call reaches bob without any
// source-address or digest check; the same name under another CA does not.
const sipp = requirePeer('sipp', 'sip-tester');
const target = registrarUnderTest();
const sippMissing = sipp ? undefined : missingPeerReason('sipp', 'sip-tester');

const ALICE = { username: 'alice', password: 'alice-Secret-1' };
const BOB = { username: 'bob', password: 'bob-Secret-2' };
const DIALLED = '+442079460000';
const DID = '+14155550100';
/** CLI changes reach the running node within this (trunks.reloadInterval 1 s). */
const RELOAD_MS = 1_500;
const ENV = {
  SWITCHBOARD_TRUNKS_RELOAD_INTERVAL: '1',
  SWITCHBOARD_SIP_TRANSPORTS: 'udp,tls',
  SWITCHBOARD_TLS_CA: tlsFixturePath('carrier-ca.crt'),
  SWITCHBOARD_TLS_CLIENT_CERTIFICATES: 'request',
};

describe.skipIf(!sipp || target.unavailable || target.isKamailio)(
  suiteTitle('trunk client certificates over TLS', [sippMissing, target.unavailable]),
  () => {
    const bin = sipp!;
    let node: FeatureNode;
    let gateway: TlsGateway;
    let tlsPort: number;
    const phones: SippPhone[] = [];

    beforeAll(async () => {
      tlsPort = await allocatePorts(1);
      // The node's child process inherits these (startFeatureNode passes process.env on).
      Object.assign(process.env, ENV, { SWITCHBOARD_TLS_PORT: String(tlsPort) });
      gateway = await startTlsGateway();
      node = await startFeatureNode([ALICE, BOB], [{ number: DID, username: 'bob' }]);
      await node.cli([
        'trunk',
        'add',
        'carrier',
        '--client-certificate',
        tlsFixturePath('trunk-client.crt'),
        '--client-key',
        tlsFixturePath('trunk-client.key'),
        '--gateway-ca',
        tlsFixturePath('carrier-ca.crt'),
        '--inbound-tls-name',
        'edge.carrier.example',
      ]);
      await node.cli(['gateway', 'add', 'carrier', `sips:127.0.0.1:${gateway.port}`, '--no-probe']);
      await node.cli(['route', 'add', '44', 'carrier']);
      await new Promise((r) => setTimeout(r, RELOAD_MS));
    }, 60_000);

    afterEach(async () => {
      for (const phone of phones.splice(0)) await phone.stop();
    });

    afterAll(async () => {
      for (const key of [...Object.keys(ENV), 'SWITCHBOARD_TLS_PORT']) delete process.env[key];
      await gateway?.close();
      if (node) {
        const exit = await node.stop();
        expect(exit.killed, `switchboard ignored SIGTERM\n${node.child.report()}`).toBe(false);
      }
    });

    it("the call to the trunk's TLS gateway succeeds with the trunk's client certificate", async () => {
      const result = await aliceCalls(bin, node, ALICE.password, { to: DIALLED, answered: true });
      expect(result.successful, `${result.messages}\n${node.child.report()}`).toBe(1);
      expect(gateway.clientNames).toEqual(['switchboard at carrier-a']);
      expect(gateway.requests.map((r) => r.method)).toEqual(expect.arrayContaining(['INVITE', 'ACK', 'BYE']));
      expect(gateway.requests[0]!.startLine).toMatch(/^INVITE sips?:442079460000@127\.0\.0\.1:\d+/);
    }, 40_000);

    it('without it the gateway refuses the handshake and the call fails', async () => {
      // The trunk keeps its CA (the gateway is still verified) but presents the node's own certificate.
      await node.cli(['trunk', 'set', 'carrier', '--client-certificate', 'none']);
      await new Promise((r) => setTimeout(r, RELOAD_MS));
      gateway.dropConnections(); // a new connection must be opened, with what the trunk has now
      const before = gateway.requests.length;
      const result = await aliceCalls(bin, node, ALICE.password, { to: DIALLED, answered: false });
      expect(result.successful, `${result.messages}\n${node.child.report()}`).toBe(1);
      expect(result.messages).toMatch(/SIP\/2\.0 (408|500|503)/);
      expect(gateway.requests.length).toBe(before);
      // Put the certificate back for the tests after this one.
      await node.cli([
        'trunk',
        'set',
        'carrier',
        '--client-certificate',
        tlsFixturePath('trunk-client.crt'),
        '--client-key',
        tlsFixturePath('trunk-client.key'),
      ]);
      await new Promise((r) => setTimeout(r, RELOAD_MS));
    }, 40_000);

    it("the carrier's certificate names the trunk: its TLS call reaches bob by the DID; another CA's does not", async () => {
      const bobPhone = await startSippPhone(bin, 'features-phone-answer.xml');
      phones.push(bobPhone);
      await node.register(BOB, bobPhone.port);
      const carrier = await connectTlsCaller(tlsPort, {
        cert: tlsFixture('carrier-client.crt'),
        key: tlsFixture('carrier-client.key'),
      });
      try {
        const answered = await carrier.call(`sip:${DID}@127.0.0.1:${tlsPort};transport=tls`);
        expect(answered.status, `${answered.startLine}\n${node.child.report()}`).toBe(200);
        expect(bobPhone.messages()).toMatch(/^INVITE sip:bob@127\.0\.0\.1/m);
      } finally {
        carrier.close();
      }
      const stranger = await connectTlsCaller(tlsPort, {
        cert: tlsFixture('stranger-client.crt'),
        key: tlsFixture('stranger-client.key'),
      });
      try {
        const refused = await stranger.call(`sip:${DID}@127.0.0.1:${tlsPort};transport=tls`);
        // Not a trunk's call: a stranger calling a number at our address is no subscriber of ours.
        expect(refused.status).toBeGreaterThanOrEqual(400);
        expect(headerOf(refused, 'to')).toBeDefined();
      } finally {
        stranger.close();
      }
      await node.unregister(BOB);
    }, 40_000);
  },
);
