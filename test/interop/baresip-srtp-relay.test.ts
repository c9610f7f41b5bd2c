import { describe, expect, it } from 'vitest';
import { expectTone, registrarNode, useBaresipCall } from './baresip-call-fixture.js';
import type { BaresipUa } from './baresip-process.js';
import type { CapturedDatagram } from './capture.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { DOMAIN, registrarUnderTest } from './registrar-process.js';

// SDES-SRTP terminated in the built-in relay (worker threads) and bridged to plain RTP: alice's
// baresip uses best-effort SRTP (mediaenc srtp: a=crypto in its RTP/AVP offer), bob's none. The
// B2BUA anchors the call on the relay, which answers alice with its own key and gives bob plain
// RTP/AVP. On the wire (tshark on lo): what alice sends the relay is not the RTP the relay sends
// bob (same SSRC and sequence number, different payload, an auth tag longer); by tone: each hears
// the other, so the relay decrypted and encrypted correctly both ways.
const baresip = requirePeer('baresip', 'baresip');
const tshark = requirePeer('tshark', 'tshark');
const target = registrarUnderTest();
const notSwitchboard = target.name === 'switchboard' ? undefined : 'B2BUA media is Switchboard-only';
const missing = [
  baresip ? undefined : missingPeerReason('baresip', 'baresip'),
  tshark ? undefined : missingPeerReason('tshark', 'tshark'),
  target.unavailable,
  notSwitchboard,
];

const ALICE = { username: 'alice', password: 'alice-Secret-9', toneHz: 600 };
const BOB = { username: 'bob', password: 'bob-Secret-8', toneHz: 1000 };
const CALL_SECONDS = 3;
const RELAY_PORTS = 20;

// Second case: both phones with mediaenc srtp-mand (RTP/SAVP). The B2BUA asks for no transport,
// so bob is offered RTP/SAVP with the relay's keys: two SRTP legs, each terminated with its own
// keys (what alice sends is not what bob receives, though both are SRTP).
describe.each([
  { aliceEnc: 'srtp', bobEnc: undefined, title: 'baresip with best-effort SDES-SRTP ↔ plain baresip' },
  {
    aliceEnc: 'srtp-mand',
    bobEnc: 'srtp-mand',
    title: 'baresip RTP/SAVP ↔ baresip RTP/SAVP, each leg keyed apart',
  },
] as const)('$title', ({ aliceEnc, bobEnc, title }) => {
  describe.skipIf(missing.some((m) => m !== undefined))(
    suiteTitle(`${title} through the built-in relay`, missing),
    () => {
      const call = useBaresipCall({
        name: 'srtp',
        baresip: baresip!,
        users: [ALICE, BOB],
        phone: (user) => {
          const mediaenc = user === ALICE ? aliceEnc : bobEnc;
          return { sipTrace: true, ...(mediaenc === undefined ? {} : { mediaenc }) };
        },
        media: { relay: 'builtin', ports: RELAY_PORTS },
        node: registrarNode(target, { subscribers: [ALICE, BOB], env: { SWITCHBOARD_B2BUA_MODE: 'all' } }),
      });
      const reports = (): string => call.report();

      it(`alice (${aliceEnc}) calls bob (${bobEnc ?? 'plain RTP'}): payloads differ on the wire, each hears the other’s tone`, async () => {
        const alice = call.phone(ALICE);
        const bob = call.phone(BOB);
        const relayMax = call.relayPorts.min + RELAY_PORTS - 1;
        const capture = await call.capture(
          tshark!,
          'srtp',
          `udp portrange ${call.relayPorts.min}-${relayMax}`,
          relayMax,
        );
        const heard = await call.call(alice, bob, `sip:${BOB.username}@${DOMAIN}`, { seconds: CALL_SECONDS });
        await capture.stop();

        // Signalling: bob never saw a key; alice got one from the relay, not her own back.
        const keys = (ua: BaresipUa) =>
          new Set([...ua.output.matchAll(/a=crypto:\d+ \S+ inline:([A-Za-z0-9+/=]+)/g)].map((m) => m[1]));
        if (bobEnc === undefined) expect(bob.output, reports()).not.toMatch(/a=crypto:/);
        // No key reaches the other leg: the relay keys each side apart.
        else for (const k of keys(alice)) expect(keys(bob).has(k), reports()).toBe(false);
        const aliceKeys = [...alice.output.matchAll(/a=crypto:\d+ \S+ inline:([A-Za-z0-9+/=]+)/g)].map(
          (m) => m[1],
        );
        expect(new Set(aliceKeys).size, reports()).toBeGreaterThan(1);

        const datagrams = await capture.datagrams();
        const inAlice = (port: number) => port >= alice.rtpPortMin && port <= alice.rtpPortMin + 9;
        const inBob = (port: number) => port >= bob.rtpPortMin && port <= bob.rtpPortMin + 9;
        const isRtp = (d: CapturedDatagram) =>
          d.payload.length >= 12 && d.payload[0]! >> 6 === 2 && (d.payload[1]! & 0x7f) < 64;
        const key = (p: Buffer) => `${p.readUInt32BE(8)}/${p.readUInt16BE(2)}`;
        const aliceSent = datagrams.filter((d) => inAlice(d.srcPort) && d.dstPort % 2 === 0 && isRtp(d));
        const bobGot = new Map(
          datagrams
            .filter((d) => inBob(d.dstPort) && d.srcPort % 2 === 0 && isRtp(d))
            .map((d) => [key(d.payload), d.payload]),
        );
        expect(aliceSent.length, reports()).toBeGreaterThan(50);
        let matched = 0;
        for (const { payload: srtp } of aliceSent) {
          const plain = bobGot.get(key(srtp));
          if (plain === undefined) continue;
          matched++;
          // RFC 3711 §3.1: same header, encrypted payload, auth tag (80 or 32 bits) appended.
          if (bobEnc === undefined) expect([plain.length + 10, plain.length + 4]).toContain(srtp.length);
          expect(srtp.subarray(0, 12).equals(plain.subarray(0, 12))).toBe(true);
          // The first 150 payload bytes (tags excluded on either side) must differ.
          const end = Math.min(srtp.length, plain.length) - 10;
          expect(srtp.subarray(12, end).equals(plain.subarray(12, end)), 'payload left in clear').toBe(false);
        }
        expect(matched, reports()).toBeGreaterThan(50);

        expectTone(heard.heardByCallee, ALICE.toneHz, BOB.toneHz, 'bob', reports());
        expectTone(heard.heardByCaller, BOB.toneHz, ALICE.toneHz, 'alice', reports());
      }, 60_000);
    },
  );
});
