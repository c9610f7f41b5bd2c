import { describe, expect, it } from 'vitest';
import { expectTone, registrarNode, useBaresipCall } from './baresip-call-fixture.js';
import type { BaresipUa } from './baresip-process.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { DOMAIN, registrarUnderTest } from './registrar-process.js';
import { rtpenginePeer } from './rtpengine-process.js';
import { relayedAsExpected, relayedPackets, type SdesSuite, TAG_BYTES } from './srtp-wire.js';

// SDES-SRTP (RFC 4568) through the B2BUA, terminated at the media relay as an SBC does it, on the
// built-in relay (worker thread) and on rtpengine through the same MediaRelay interface:
// - alice RTP/SAVP (mediaenc srtp-mand), bob plain: bob is offered plain RTP/AVP (the default);
// - alice plain, bob RTP/SAVP with his call policy's srtp sdes: bob is offered RTP/SAVP with the
//   relay's own keys;
// - both RTP/SAVP (bob's srtp sdes): each leg keyed apart (built-in relay);
// - alice best-effort SRTP (mediaenc srtp: a=crypto in RTP/AVP), bob plain (built-in relay).
// On the wire: each phone's SIP trace names its leg's profile only (and no a=crypto on a plain leg);
// in the tshark capture every packet the relay passed on kept its header, changed length by the
// auth tags of the suite each leg agreed (80 or 32 bits) and was re-encrypted wherever a leg is
// SRTP. By tone: each phone hears the other, so the relay decrypted and encrypted right both ways.
const baresip = requirePeer('baresip', 'baresip');
const tshark = requirePeer('tshark', 'tshark');
const rtpengine = rtpenginePeer();
const target = registrarUnderTest();
const notSwitchboard = target.name === 'switchboard' ? undefined : 'B2BUA media is Switchboard-only';
const missing = [
  baresip ? undefined : missingPeerReason('baresip', 'baresip'),
  tshark ? undefined : missingPeerReason('tshark', 'tshark'),
  target.unavailable,
  notSwitchboard,
];
const rtpengineMissing = rtpengine ? undefined : missingPeerReason('rtpengine', 'rtpengine-daemon');

const ALICE = { username: 'alice', password: 'alice-Secret-9', toneHz: 600 };
const BOB = { username: 'bob', password: 'bob-Secret-8', toneHz: 1000 };
const CALL_SECONDS = 3;
const RELAY_PORTS = 20;

type Mediaenc = 'srtp' | 'srtp-mand' | undefined;
interface Case {
  relay: 'builtin' | 'rtpengine';
  alice: Mediaenc;
  bob: Mediaenc;
  /** bob's call policy srtp (set with the CLI before the call). */
  bobSrtp?: 'sdes';
  title: string;
}

const SCENARIOS: Array<Omit<Case, 'relay'>> = [
  { alice: 'srtp-mand', bob: undefined, title: 'RTP/SAVP caller → plain callee (no policy)' },
  { alice: undefined, bob: 'srtp-mand', bobSrtp: 'sdes', title: 'plain caller → callee with srtp sdes' },
];
// The built-in relay only: rtpengine 10.5 copies an SDES offerer's a=crypto lines into its offer
// to an RTP/SAVP callee (SRTP passed end to end when the callee picks one), so its legs are not
// keyed apart. Best-effort SRTP answered in kind is the built-in relay's own behaviour (sdes.ts).
const CASES: Case[] = [
  ...SCENARIOS.map((s) => ({ ...s, relay: 'builtin' as const })),
  {
    relay: 'builtin',
    alice: 'srtp-mand',
    bob: 'srtp-mand',
    bobSrtp: 'sdes',
    title: 'RTP/SAVP caller → callee with srtp sdes, each leg keyed apart',
  },
  { relay: 'builtin', alice: 'srtp', bob: undefined, title: 'best-effort SDES caller → plain callee' },
  ...SCENARIOS.map((s) => ({ ...s, relay: 'rtpengine' as const })),
];

/** The m= profiles in everything `ua` sent and received (its SIP trace). */
const profiles = (ua: BaresipUa) => new Set([...ua.output.matchAll(/^m=audio \d+ (\S+)/gm)].map((m) => m[1]));
/** The a=crypto keys in `ua`'s SIP trace. */
const keys = (ua: BaresipUa) =>
  new Set([...ua.output.matchAll(/a=crypto:\d+ \S+ inline:([A-Za-z0-9+/=]+)/g)].map((m) => m[1]));
/** The suite baresip's srtp module says it keyed the call with. */
const suiteOf = (ua: BaresipUa): SdesSuite | undefined =>
  /SRTP is Enabled \(cryptosuite=(AES_CM_128_HMAC_SHA1_(?:80|32))\)/.exec(ua.output)?.[1] as
    | SdesSuite
    | undefined;

describe.each(CASES)('$relay relay: $title', ({ relay, alice: aliceEnc, bob: bobEnc, bobSrtp, title }) => {
  const skip = [...missing, relay === 'rtpengine' ? rtpengineMissing : undefined];
  describe.skipIf(skip.some((m) => m !== undefined))(
    suiteTitle(`baresip SDES through the B2BUA and the ${relay} relay: ${title}`, skip),
    () => {
      const call = useBaresipCall({
        name: 'srtp',
        baresip: baresip!,
        users: [ALICE, BOB],
        phone: (user) => {
          const mediaenc = user === ALICE ? aliceEnc : bobEnc;
          return { sipTrace: true, ...(mediaenc === undefined ? {} : { mediaenc }) };
        },
        media: { relay, ports: RELAY_PORTS, rtpengine, rtpengineOffset: 900 },
        node: registrarNode(target, { subscribers: [ALICE, BOB], env: { SWITCHBOARD_B2BUA_MODE: 'all' } }),
      });
      const reports = (): string => call.report();
      const aliceLeg = aliceEnc === 'srtp-mand' ? 'RTP/SAVP' : 'RTP/AVP';
      const bobLeg = bobSrtp === 'sdes' ? 'RTP/SAVP' : 'RTP/AVP';

      it(`alice (${aliceEnc ?? 'plain'}) on ${aliceLeg}, bob (${bobEnc ?? 'plain'}) on ${bobLeg}: SRTP ends at the relay, each hears the other`, async () => {
        const alice = call.phone(ALICE);
        const bob = call.phone(BOB);
        if (bobSrtp) {
          const set = await call.node.cli!([
            'subscriber',
            'policy',
            'set',
            `bob@${DOMAIN}`,
            '--srtp',
            bobSrtp,
          ]);
          expect(set).toContain(`srtp ${bobSrtp}`);
        }
        const relayMax = call.relayPorts.min + RELAY_PORTS - 1;
        const capture = await call.capture(
          tshark!,
          'srtp',
          `udp portrange ${call.relayPorts.min}-${relayMax}`,
          relayMax,
        );
        const heard = await call.call(alice, bob, `sip:${BOB.username}@${DOMAIN}`, { seconds: CALL_SECONDS });
        await capture.stop();

        // Signalling: each phone's leg in its own profile; no key of one leg reaches the other.
        expect([...profiles(alice)], reports()).toEqual([aliceLeg]);
        expect([...profiles(bob)], reports()).toEqual([bobLeg]);
        if (bobLeg === 'RTP/AVP') expect(bob.output, reports()).not.toMatch(/a=crypto:/);
        if (aliceEnc === undefined) expect(alice.output, reports()).not.toMatch(/a=crypto:/);
        for (const k of keys(alice)) expect(keys(bob).has(k), reports()).toBe(false);

        // Media: the suite each SRTP leg agreed, and every relayed packet as that makes it.
        const aliceSuite = aliceEnc === undefined ? undefined : suiteOf(alice);
        const bobSuite = bobSrtp === undefined ? undefined : suiteOf(bob);
        if (aliceEnc !== undefined) expect(aliceSuite, reports()).toBeDefined();
        if (bobSrtp !== undefined) expect(bobSuite, reports()).toBeDefined();
        const aliceTag = aliceSuite === undefined ? 0 : TAG_BYTES[aliceSuite];
        const bobTag = bobSuite === undefined ? 0 : TAG_BYTES[bobSuite];
        const datagrams = await capture.datagrams();
        const inAlice = (port: number) => port >= alice.rtpPortMin && port <= alice.rtpPortMin + 9;
        const inBob = (port: number) => port >= bob.rtpPortMin && port <= bob.rtpPortMin + 9;
        const directions = [
          {
            name: 'alice → bob',
            packets: relayedPackets(datagrams, inAlice, inBob),
            tags: [aliceTag, bobTag],
          },
          {
            name: 'bob → alice',
            packets: relayedPackets(datagrams, inBob, inAlice),
            tags: [bobTag, aliceTag],
          },
        ];
        for (const { name, packets, tags } of directions) {
          expect(packets.length, `${name} relayed packets\n${reports()}`).toBeGreaterThan(50);
          const wrong = packets
            .map((p) => relayedAsExpected(p, tags[0]!, tags[1]!))
            .filter((why) => why !== undefined);
          expect(wrong, `${name} (${aliceSuite ?? 'plain'} / ${bobSuite ?? 'plain'})`).toEqual([]);
        }
        console.info(`${relay} ${title}: alice ${aliceSuite ?? 'plain'}, bob ${bobSuite ?? 'plain'}`);

        expectTone(heard.heardByCallee, ALICE.toneHz, BOB.toneHz, 'bob', reports());
        expectTone(heard.heardByCaller, BOB.toneHz, ALICE.toneHz, 'alice', reports());
      }, 90_000);
    },
  );
});
