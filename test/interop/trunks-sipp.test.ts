import { createSocket } from 'node:dgram';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { carrierCalls as carrierUacCalls } from './carrier-uac.js';
import {
  aliceCalls,
  callReport,
  type FeatureNode,
  firstMessage,
  type SippPhone,
  startFeatureNode,
  startSippPhone,
} from './features-node.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { allocatePorts } from './ports.js';
import { registrarUnderTest } from './registrar-process.js';
import type { SippResult } from './sipp.js';

// Trunks on the wire: alice (SIPp, digest) dials UK numbers; least-cost routing sends them to the
// trunk `carrier`, whose two gateways are SIPp UASes. Failover happens inside alice's INVITE
// transaction: a 503 or a gateway that never answers moves the call to the second gateway, a 486
// does not. A carrier's caller (SIPp UAC from the trunk's address, 127.0.0.2) reaches bob, a
// subscriber registered with a SIPp phone, through his DID.
const sipp = requirePeer('sipp', 'sip-tester');
const target = registrarUnderTest();
const sippMissing = sipp ? undefined : missingPeerReason('sipp', 'sip-tester');

const ALICE = { username: 'alice', password: 'alice-Secret-1' };
const BOB = { username: 'bob', password: 'bob-Secret-2' };
const DIALLED = '+442079460000';
/** The carrier wants international numbers with 00. */
const SENT = 'sip:00442079460000@127.0.0.1';
const CARRIER_B_PASSWORD = 'carrier-B-Secret-9';
/** Changes made with the CLI reach the running node within this (trunks.reloadInterval 1 s). */
const RELOAD_MS = 1_500;

describe.skipIf(!sipp || target.unavailable || target.isKamailio)(
  suiteTitle('trunks, least-cost routing and failover on the wire (SIPp)', [sippMissing, target.unavailable]),
  () => {
    const bin = sipp!;
    let node: FeatureNode;
    const phones: SippPhone[] = [];

    beforeAll(async () => {
      // The node's child process inherits it: CLI changes are seen within a second.
      process.env['SWITCHBOARD_TRUNKS_RELOAD_INTERVAL'] = '1';
      node = await startFeatureNode([ALICE, BOB], [{ number: '+14155550100', username: 'bob' }]);
      await node.cli([
        'trunk',
        'add',
        'carrier',
        '--prefix',
        '00',
        '--strip',
        '0',
        '--reply-timeout',
        '1000',
        '--inbound-cidr',
        '127.0.0.2',
        '--inbound-prefix',
        '+1',
      ]);
      await node.cli(['route', 'add', '44', 'carrier', '--price', '0.012']);
      // A second carrier that proves itself with digest credentials instead of its address.
      await node.cli([
        'trunk',
        'add',
        'carrier-b',
        '--inbound-username',
        'carrier-b-in',
        '--inbound-password',
        CARRIER_B_PASSWORD,
      ]);
    }, 60_000);

    afterEach(async () => {
      for (const phone of phones.splice(0)) await phone.stop();
      await node.unregister(BOB);
    });

    afterAll(async () => {
      delete process.env['SWITCHBOARD_TRUNKS_RELOAD_INTERVAL'];
      if (node) {
        const exit = await node.stop();
        expect(exit.killed, `switchboard ignored SIGTERM\n${node.child.report()}`).toBe(false);
      }
    });

    /** Two SIPp gateways for the trunk, the first preferred (priority dispatch); no OPTIONS probing. */
    async function gateways(first: string, second: string): Promise<[SippPhone, SippPhone]> {
      const one = await startSippPhone(bin, first);
      const two = await startSippPhone(bin, second);
      phones.push(one, two);
      await useGateways(one.port, two.port);
      return [one, two];
    }

    /** The trunk's gateways become 127.0.0.1:first (preferred) and 127.0.0.1:second. */
    async function useGateways(first: number, second: number): Promise<void> {
      for (const gw of JSON.parse(await node.cli(['gateway', 'list', '--json'])) as Array<{ id: string }>) {
        await node.cli(['gateway', 'remove', gw.id]);
      }
      for (const [port, priority] of [
        [first, '0'],
        [second, '1'],
      ] as const) {
        await node.cli([
          'gateway',
          'add',
          'carrier',
          `sip:127.0.0.1:${port}`,
          '--priority',
          priority,
          '--no-probe',
        ]);
      }
      await new Promise((r) => setTimeout(r, RELOAD_MS));
    }

    const report = (result: SippResult, ...others: SippPhone[]) => callReport(node, result, ...others);

    const inviteLine = (p: SippPhone) => firstMessage(p.messages(), /^INVITE \S+ SIP\/2\.0$/)?.startLine;

    it('the first gateway answers 503: the call completes through the second, in the same transaction', async () => {
      const [busy, good] = await gateways('trunk-gateway-503.xml', 'features-phone-answer.xml');
      const result = await aliceCalls(bin, node, ALICE.password, { to: DIALLED, answered: true });
      expect(result.successful, report(result, busy, good)).toBe(1);
      expect(inviteLine(busy)).toBe(`INVITE ${SENT}:${busy.port} SIP/2.0`);
      expect(busy.messages()).toMatch(/SIP\/2\.0 503 Service Unavailable/);
      expect(inviteLine(good)).toBe(`INVITE ${SENT}:${good.port} SIP/2.0`);
      // alice never saw the 503: only the 200 of the second gateway.
      expect(result.messages).not.toMatch(/SIP\/2\.0 5\d\d/);
    }, 40_000);

    it('the first gateway never answers: after the 1 s reply timeout the call completes through the second', async () => {
      const [silent, good] = await gateways('trunk-gateway-silent.xml', 'features-phone-answer.xml');
      const started = Date.now();
      const result = await aliceCalls(bin, node, ALICE.password, { to: DIALLED, answered: true });
      expect(result.successful, report(result, silent, good)).toBe(1);
      expect(inviteLine(silent)).toBe(`INVITE ${SENT}:${silent.port} SIP/2.0`);
      expect(inviteLine(good)).toBe(`INVITE ${SENT}:${good.port} SIP/2.0`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
      expect(result.messages).not.toMatch(/SIP\/2\.0 408/);
    }, 40_000);

    it('the first gateway answers garbage: the call completes through the second after the reply timeout', async () => {
      // Not SIP at all: the node's parser drops it, so the gateway counts as silent.
      const garbage = createSocket('udp4');
      const received: string[] = [];
      garbage.on('message', (data, from) => {
        received.push(data.toString('latin1').split('\r\n')[0]!);
        garbage.send(Buffer.from('HTTP/1.1 200 OK\r\nX: \u0000\u00ff\r\n\r\n'), from.port, from.address);
      });
      const port = await allocatePorts(1);
      await new Promise<void>((resolve) => garbage.bind(port, '127.0.0.1', resolve));
      try {
        const good = await startSippPhone(bin, 'features-phone-answer.xml');
        phones.push(good);
        await useGateways(port, good.port);
        const result = await aliceCalls(bin, node, ALICE.password, { to: DIALLED, answered: true });
        expect(result.successful, report(result, good)).toBe(1);
        expect(received[0]).toBe(`INVITE ${SENT}:${port} SIP/2.0`);
        expect(inviteLine(good)).toBe(`INVITE ${SENT}:${good.port} SIP/2.0`);
      } finally {
        garbage.close();
      }
    }, 40_000);

    it('a 486 from the first gateway goes to alice: busy is not failed over', async () => {
      const [busy, other] = await gateways('features-phone-busy.xml', 'features-phone-answer.xml');
      const result = await aliceCalls(bin, node, ALICE.password, { to: DIALLED, answered: false });
      expect(result.successful, report(result, busy, other)).toBe(1);
      expect(result.messages).toMatch(/SIP\/2\.0 486 Busy Here/);
      expect(inviteLine(busy)).toBe(`INVITE ${SENT}:${busy.port} SIP/2.0`);
      expect(other.messages()).not.toMatch(/INVITE sip:/);
    }, 40_000);

    it('least cost by time band: the route whose band holds the present hour wins; moved out of it, the other trunk takes the call', async () => {
      // Two more trunks for 33: `day` preferred, but only in a band around now (UTC), `any` always.
      const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
      const now = Date.now();
      const around = `daily ${hhmm(now - 3_600_000)}-${hhmm(now + 3_600_000)}`;
      const elsewhere = `daily ${hhmm(now + 3 * 3_600_000)}-${hhmm(now + 5 * 3_600_000)}`;
      const dayGw = await startSippPhone(bin, 'features-phone-answer.xml');
      const anyGw = await startSippPhone(bin, 'features-phone-answer.xml');
      phones.push(dayGw, anyGw);
      for (const [trunk, gw] of [
        ['day', dayGw],
        ['any', anyGw],
      ] as const) {
        await node.cli(['trunk', 'add', trunk]);
        await node.cli(['gateway', 'add', trunk, `sip:127.0.0.1:${gw.port}`, '--no-probe']);
      }
      await node.cli([
        'route',
        'add',
        '33',
        'day',
        '--id',
        'fr-day',
        '--price',
        '0.001',
        '--time-band',
        around,
      ]);
      await node.cli(['route', 'add', '33', 'any', '--id', 'fr-any', '--price', '0.05']);
      try {
        await new Promise((r) => setTimeout(r, RELOAD_MS));
        const inBand = await aliceCalls(bin, node, ALICE.password, { to: '+33123456789', answered: true });
        expect(inBand.successful, report(inBand, dayGw, anyGw)).toBe(1);
        expect(inviteLine(dayGw)).toBe(`INVITE sip:33123456789@127.0.0.1:${dayGw.port} SIP/2.0`);
        expect(anyGw.messages()).not.toMatch(/INVITE sip:/);

        await node.cli(['route', 'set', 'fr-day', '--time-band', elsewhere]);
        await new Promise((r) => setTimeout(r, RELOAD_MS));
        const outOfBand = await aliceCalls(bin, node, ALICE.password, { to: '+33123456789', answered: true });
        expect(outOfBand.successful, report(outOfBand, dayGw, anyGw)).toBe(1);
        expect(inviteLine(anyGw)).toBe(`INVITE sip:33123456789@127.0.0.1:${anyGw.port} SIP/2.0`);
      } finally {
        await node.cli(['trunk', 'remove', 'day', '--force']);
        await node.cli(['trunk', 'remove', 'any', '--force']);
      }
    }, 60_000);

    /** The carrier's caller, from address `from`, calls the node's trunk side. */
    const carrierCalls = (from: string, did: string, credentials?: { username: string; password: string }) =>
      carrierUacCalls(bin, {
        target: `127.0.0.1:${node.port}`,
        from,
        did,
        ...(credentials ? { credentials } : {}),
      });

    it('an inbound call from the trunk address to a DID reaches the registered subscriber', async () => {
      const bobPhone = await startSippPhone(bin, 'features-phone-answer.xml');
      phones.push(bobPhone);
      await node.register(BOB, bobPhone.port);
      // The carrier sends national numbers; the trunk's inbound prefix +1 makes them E.164.
      const result = await carrierCalls('127.0.0.2', '4155550100');
      expect(result.successful, report(result, bobPhone)).toBe(1);
      expect(inviteLine(bobPhone)).toBe(`INVITE sip:bob@127.0.0.1:${bobPhone.port} SIP/2.0`);
    }, 40_000);

    it('a carrier proving itself with digest credentials (407, realm trunks.realm) reaches the subscriber; a wrong password does not', async () => {
      const bobPhone = await startSippPhone(bin, 'features-phone-answer.xml');
      phones.push(bobPhone);
      await node.register(BOB, bobPhone.port);
      const wrong = await carrierCalls('127.0.0.1', '+14155550100', {
        username: 'carrier-b-in',
        password: 'nope',
      });
      expect(wrong.successful, report(wrong, bobPhone)).toBe(0);
      expect(wrong.messages).toMatch(/SIP\/2\.0 403/);
      expect(bobPhone.messages()).not.toMatch(/INVITE sip:/);
      const result = await carrierCalls('127.0.0.1', '+14155550100', {
        username: 'carrier-b-in',
        password: CARRIER_B_PASSWORD,
      });
      expect(result.successful, report(result, bobPhone)).toBe(1);
      expect(result.messages).toMatch(/Proxy-Authenticate: Digest realm="switchboard"/);
      expect(inviteLine(bobPhone)).toBe(`INVITE sip:bob@127.0.0.1:${bobPhone.port} SIP/2.0`);
      // The carrier's answer to our challenge is not passed on to bob.
      expect(bobPhone.messages()).not.toMatch(/Proxy-Authorization/i);
    }, 40_000);

    it('the same call from an address that is no trunk, without credentials, is challenged and reaches nobody', async () => {
      const bobPhone = await startSippPhone(bin, 'features-phone-answer.xml');
      phones.push(bobPhone);
      await node.register(BOB, bobPhone.port);
      const result = await carrierCalls('127.0.0.1', '4155550100');
      expect(result.successful, report(result, bobPhone)).toBe(0);
      // carrier-b authenticates with credentials: a stranger's call to a number here is challenged.
      expect(result.messages).toMatch(/SIP\/2\.0 407 /);
      expect(bobPhone.messages()).not.toMatch(/INVITE sip:/);
    }, 40_000);
  },
);
