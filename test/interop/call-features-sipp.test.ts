import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
import { registrarUnderTest } from './registrar-process.js';
import type { SippResult } from './sipp.js';

// Call features on the wire: alice (SIPp, digest) calls through a Switchboard node; bob, carol and
// dave are SIPp phones registered to it (through a Path, as behind an edge proxy). Each case sets
// features through the CLI while the node runs, and checks what reaches the phones (Diversion,
// P-Asserted-Identity, Privacy, From) and what alice gets (200, or the refusal's status).
const sipp = requirePeer('sipp', 'sip-tester');
const target = registrarUnderTest();
const sippMissing = sipp ? undefined : missingPeerReason('sipp', 'sip-tester');

const ALICE = { username: 'alice', password: 'alice-Secret-1' };
const BOB = { username: 'bob', password: 'bob-Secret-2' };
const CAROL = { username: 'carol', password: 'carol-Secret-3' };
const DAVE = { username: 'dave', password: 'dave-Secret-4' };
/** The numbering plan of a German operator (country code 49, trunk prefix 0, international 00). */
const GERMAN_NUMBERING = ['--country-code', '49', '--national-prefix', '0', '--international-prefix', '00'];

describe.skipIf(!sipp || target.unavailable || target.isKamailio)(
  suiteTitle('call features through switchboard, on the wire (SIPp)', [sippMissing, target.unavailable]),
  () => {
    const bin = sipp!;
    let node: FeatureNode;
    const phones: SippPhone[] = [];

    beforeAll(async () => {
      node = await startFeatureNode(
        [ALICE, BOB, CAROL, DAVE],
        [
          { number: '+49309999999', username: 'alice' },
          { number: '+49301234567', username: 'carol' },
        ],
      );
    }, 60_000);

    afterEach(async () => {
      for (const phone of phones.splice(0)) await phone.stop();
      for (const user of [BOB, CAROL, DAVE]) {
        await node.cli(['feature', 'clear', `${user.username}@example.com`]);
        await node.unregister(user);
      }
      await node.cli(['feature', 'clear', 'alice@example.com']);
    });

    afterAll(async () => {
      if (node) {
        const exit = await node.stop();
        expect(exit.killed, `switchboard ignored SIGTERM\n${node.child.report()}`).toBe(false);
      }
    });

    async function phone(user: typeof BOB, scenario: string): Promise<SippPhone> {
      const p = await startSippPhone(bin, scenario);
      phones.push(p);
      await node.register(user, p.port);
      return p;
    }

    const report = (result: SippResult, ...others: SippPhone[]) => callReport(node, result, ...others);

    /** A phone's one call ran its whole scenario (SIPp exits 0 when its calls succeeded). */
    async function completed(p: SippPhone): Promise<void> {
      const exit = await Promise.race([
        p.exited,
        new Promise<undefined>((r) => setTimeout(() => r(undefined), 5_000)),
      ]);
      expect(exit?.code, `${p.child.report()}\n${p.messages()}`).toBe(0);
    }

    /** The INVITE a phone received, its headers by name. */
    function inviteAt(p: SippPhone) {
      const invite = firstMessage(p.messages(), /^INVITE \S+ SIP\/2\.0$/);
      expect(invite, p.messages()).toBeDefined();
      return invite!;
    }

    /** The final response alice got to her authenticated INVITE. */
    function finalOf(result: SippResult): string {
      const finals = [...(result.messages ?? '').matchAll(/^SIP\/2\.0 ([3-6]\d\d [^\r\n]*)/gm)].map(
        (m) => m[1]!,
      );
      return finals.filter((f) => !f.startsWith('407')).at(-1) ?? '(none)';
    }

    it('CFU: bob forwards every call to carol; carol answers; Diversion reason=unconditional', async () => {
      const bobPhone = await phone(BOB, 'features-phone-answer.xml');
      const carolPhone = await phone(CAROL, 'features-phone-answer.xml');
      await node.cli(['feature', 'set', 'bob@example.com', '--forward-always', 'carol']);
      const result = await aliceCalls(bin, node, ALICE.password, { to: 'bob', answered: true });
      expect(result.successful, report(result, carolPhone)).toBe(1);
      const invite = inviteAt(carolPhone);
      expect(invite.header('Diversion')).toEqual(['<sip:bob@example.com>;reason=unconditional;counter=1']);
      expect(invite.header('P-Asserted-Identity')).toEqual(['"Alice" <sip:alice@example.com>']);
      expect(invite.header('P-Preferred-Identity')).toEqual([]);
      expect(bobPhone.messages()).not.toMatch(/INVITE sip:/);
    }, 40_000);

    it('CFB: bob is busy (486); the call lands at carol with Diversion reason=user-busy', async () => {
      const bobPhone = await phone(BOB, 'features-phone-busy.xml');
      const carolPhone = await phone(CAROL, 'features-phone-answer.xml');
      await node.cli(['feature', 'set', 'bob@example.com', '--forward-busy', 'sip:carol@example.com']);
      const result = await aliceCalls(bin, node, ALICE.password, { to: 'bob', answered: true });
      expect(result.successful, report(result, bobPhone, carolPhone)).toBe(1);
      expect(bobPhone.messages()).toMatch(/SIP\/2\.0 486 Busy Here/);
      // bob's phone got the ACK for its 486 (hop by hop from the node): its scenario completed.
      await completed(bobPhone);
      await completed(carolPhone);
      expect(inviteAt(carolPhone).header('Diversion')).toEqual([
        '<sip:bob@example.com>;reason=user-busy;counter=1',
      ]);
      // The 486 never reached alice: the same transaction went on to carol.
      expect(result.messages).not.toMatch(/SIP\/2\.0 486/);
    }, 40_000);

    it('CFNA: bob rings and never answers; after the 2 s ring timeout bob is CANCELled and carol gets the call', async () => {
      const bobPhone = await phone(BOB, 'features-phone-ring.xml');
      const carolPhone = await phone(CAROL, 'features-phone-answer.xml');
      await node.cli([
        'feature',
        'set',
        'bob@example.com',
        '--forward-no-answer',
        'carol',
        '--ring-timeout',
        '2',
      ]);
      const started = Date.now();
      const result = await aliceCalls(bin, node, ALICE.password, { to: 'bob', answered: true });
      expect(result.successful, report(result, bobPhone, carolPhone)).toBe(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
      expect(bobPhone.messages()).toMatch(/^CANCEL sip:bob@127\.0\.0\.1/m);
      // CANCEL answered 200, the INVITE 487, and the node ACKed the 487 (RFC 3261 §9.2, §17.1.1.3).
      await completed(bobPhone);
      expect(inviteAt(carolPhone).header('Diversion')).toEqual([
        '<sip:bob@example.com>;reason=no-answer;counter=1',
      ]);
    }, 40_000);

    it('CFNR: dave is not registered; his calls go to carol with Diversion reason=unavailable', async () => {
      const carolPhone = await phone(CAROL, 'features-phone-answer.xml');
      await node.cli(['feature', 'set', 'dave@example.com', '--forward-unreachable', 'carol']);
      const result = await aliceCalls(bin, node, ALICE.password, { to: 'dave', answered: true });
      expect(result.successful, report(result, carolPhone)).toBe(1);
      expect(inviteAt(carolPhone).header('Diversion')).toEqual([
        '<sip:dave@example.com>;reason=unavailable;counter=1',
      ]);
    }, 40_000);

    it('CLIR (set over the REST API): carol sees Privacy: id, the asserted caller, and an anonymous From', async () => {
      const carolPhone = await phone(CAROL, 'features-phone-answer.xml');
      const bad = await node.api('PUT', '/v1/subscribers/alice@example.com/features', {
        clir: true,
        ringTimeout: 0,
      });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: { code: 'invalid', field: 'ringTimeout' } });
      const put = await node.api('PUT', '/v1/subscribers/alice@example.com/features', { clir: true });
      expect(put).toMatchObject({
        status: 200,
        body: { subscriber: 'alice@example.com', features: { clir: true } },
      });
      const result = await aliceCalls(bin, node, ALICE.password, { to: 'carol', answered: true });
      expect(result.successful, report(result, carolPhone)).toBe(1);
      const invite = inviteAt(carolPhone);
      expect(invite.header('Privacy')).toEqual(['id']);
      expect(invite.header('P-Asserted-Identity')).toEqual(['"Alice" <sip:alice@example.com>']);
      expect(invite.header('From')[0]).toMatch(
        /^"Anonymous" <sip:anonymous@anonymous\.invalid>;tag=\S+SIPpTag00/,
      );
    }, 40_000);

    it('an owned P-Preferred-Identity (her number) becomes the asserted one; bob bars it (403)', async () => {
      const carolPhone = await phone(CAROL, 'features-phone-answer.xml');
      const shown = await aliceCalls(bin, node, ALICE.password, {
        to: 'carol',
        ppi: 'sip:+49309999999@example.com',
        answered: true,
      });
      expect(shown.successful, report(shown, carolPhone)).toBe(1);
      expect(inviteAt(carolPhone).header('P-Asserted-Identity')).toEqual([
        '"Alice" <sip:+49309999999@example.com>',
      ]);
      await phone(BOB, 'features-phone-answer.xml');
      await node.cli(['feature', 'set', 'bob@example.com', '--bar-incoming', '+4930999*']);
      const barred = await aliceCalls(bin, node, ALICE.password, {
        to: 'bob',
        ppi: 'sip:+49309999999@example.com',
        answered: false,
      });
      expect(barred.successful, report(barred)).toBe(1);
      expect(finalOf(barred)).toBe('403 Incoming Calls Barred');
    }, 40_000);

    it('outgoing barring: alice may not call +1900 numbers (403)', async () => {
      await node.cli(['feature', 'set', 'alice@example.com', '--bar-outgoing', '+1900*']);
      const result = await aliceCalls(bin, node, ALICE.password, { to: '+19005550100', answered: false });
      expect(result.successful, report(result)).toBe(1);
      expect(finalOf(result)).toBe('403 Outgoing Calls Barred');
    }, 30_000);

    it('anonymous call rejection: bob refuses alice calling with CLIR (433 Anonymity Disallowed)', async () => {
      const bobPhone = await phone(BOB, 'features-phone-answer.xml');
      await node.cli(['feature', 'set', 'bob@example.com', '--reject-anonymous']);
      await node.cli(['feature', 'set', 'alice@example.com', '--clir']);
      const result = await aliceCalls(bin, node, ALICE.password, { to: 'bob', answered: false });
      expect(result.successful, report(result, bobPhone)).toBe(1);
      expect(finalOf(result)).toBe('433 Anonymity Disallowed');
      expect(bobPhone.messages()).not.toMatch(/INVITE sip:/);
    }, 30_000);

    it('a forwarding loop (bob to carol to bob) is refused with 482; a chain past max diversions with 483', async () => {
      await node.cli(['feature', 'set', 'bob@example.com', '--forward-always', 'carol']);
      await node.cli(['feature', 'set', 'carol@example.com', '--forward-always', 'bob']);
      const loop = await aliceCalls(bin, node, ALICE.password, { to: 'bob', answered: false });
      expect(loop.successful, report(loop)).toBe(1);
      expect(finalOf(loop)).toBe('482 Loop Detected');
      await node.cli(['feature', 'set', 'carol@example.com', '--forward-always', 'dave']);
      await node.cli(['feature', 'set', 'dave@example.com', '--forward-always', 'alice']);
      await node.cli(['feature', 'set', 'example.com', '--max-diversions', '2']);
      try {
        const long = await aliceCalls(bin, node, ALICE.password, { to: 'bob', answered: false });
        expect(long.successful, report(long)).toBe(1);
        expect(finalOf(long)).toBe('483 Too Many Hops');
      } finally {
        await node.cli(['feature', 'clear', 'example.com']);
      }
    }, 30_000);

    it("number normalisation: alice dials national and local formats of carol's number; malformed and unknown numbers are refused", async () => {
      await node.cli(['feature', 'set', 'example.com', ...GERMAN_NUMBERING, '--area-code', '30']);
      try {
        for (const dialled of ['0301234567', '1234567', '0049301234567']) {
          const carolPhone = await phone(CAROL, 'features-phone-answer.xml');
          const result = await aliceCalls(bin, node, ALICE.password, { to: dialled, answered: true });
          expect(result.successful, report(result, carolPhone)).toBe(1);
          // The To keeps what alice dialled; the Request-URI went to carol's registered contact.
          expect(inviteAt(carolPhone).header('To')[0]).toContain(`sip:${dialled}@example.com`);
          for (const p of phones.splice(0)) await p.stop();
          await node.unregister(CAROL);
        }
        const incomplete = await aliceCalls(bin, node, ALICE.password, { to: '00', answered: false });
        expect(finalOf(incomplete), report(incomplete)).toBe('484 Address Incomplete');
        const unknown = await aliceCalls(bin, node, ALICE.password, { to: '0307654321', answered: false });
        // No subscriber has +49307654321 (and no trunk route leads there).
        expect(finalOf(unknown), report(unknown)).toMatch(/^404 Not Found/);
      } finally {
        await node.cli(['feature', 'clear', 'example.com']);
      }
    }, 60_000);

    it('CFU to a number outside the platform goes out through a trunk, the Diversion on the wire at the gateway', async () => {
      const gateway = await startSippPhone(bin, 'features-phone-answer.xml');
      phones.push(gateway);
      await node.cli(['trunk', 'add', 'carrier']);
      await node.cli(['gateway', 'add', 'carrier', `sip:127.0.0.1:${gateway.port}`, '--no-probe']);
      await node.cli(['route', 'add', '49151', 'carrier']);
      await node.cli(['feature', 'set', 'bob@example.com', '--forward-always', '+4915112345678']);
      // The node re-reads its trunks when the store's routing revision moves: retry until it has.
      let result: SippResult | undefined;
      for (let attempt = 0; attempt < 10; attempt++) {
        result = await aliceCalls(bin, node, ALICE.password, { to: 'bob', answered: true, timeoutS: 10 });
        if (result.successful === 1) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(result!.successful, report(result!, gateway)).toBe(1);
      const invite = inviteAt(gateway);
      expect(invite.startLine).toMatch(/^INVITE sip:\+?4915112345678@127\.0\.0\.1:\d+/);
      expect(invite.header('Diversion')).toEqual(['<sip:bob@example.com>;reason=unconditional;counter=1']);
    }, 60_000);

    it('a caller of another network: its own P-Asserted-Identity removed, its E.164 number shown in national format', async () => {
      const bobPhone = await phone(BOB, 'features-phone-answer.xml');
      await node.cli(['feature', 'set', 'example.com', ...GERMAN_NUMBERING]);
      try {
        const result = await aliceCalls(bin, node, ALICE.password, {
          to: 'bob',
          answered: true,
          external: '+49301111111@carrier.net',
        });
        expect(result.successful, report(result, bobPhone)).toBe(1);
        const invite = inviteAt(bobPhone);
        // RFC 3325 §5: an assertion from outside the trust domain does not reach our subscriber.
        expect(invite.header('P-Asserted-Identity')).toEqual([]);
        expect(invite.header('From')[0]).toMatch(/^<sip:0301111111@carrier\.net>;tag=/);
      } finally {
        await node.cli(['feature', 'clear', 'example.com']);
      }
    }, 30_000);
  },
);
