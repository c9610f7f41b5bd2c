import { describe, it } from 'vitest';
import { expectRtpFrom, expectTone, registrarNode, useBaresipCall } from './baresip-call-fixture.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { DOMAIN, registrarUnderTest } from './registrar-process.js';
import { rtpenginePeer } from './rtpengine-process.js';

// Two baresip user agents call each other through a node whose B2BUA takes every call
// (b2bua.mode all) and anchors its media on the media relay, through the one MediaRelay interface:
// the built-in relay (media.relay builtin, the default), then a real rtpengine (media.relay
// rtpengine). Each side hears the other's tone, and what it hears comes from the relay's ports, not
// from the other phone. Switchboard only (the Kamailio stand-in has no B2BUA).
const baresip = requirePeer('baresip', 'baresip');
const target = registrarUnderTest();
const baresipMissing = baresip ? undefined : missingPeerReason('baresip', 'baresip');
const notSwitchboard = target.name === 'switchboard' ? undefined : 'B2BUA media is Switchboard-only';
const rtpengine = rtpenginePeer();
const rtpengineMissing = rtpengine ? undefined : missingPeerReason('rtpengine', 'rtpengine-daemon');

const ALICE = { username: 'alice', password: 'alice-Secret-9', toneHz: 600 };
const BOB = { username: 'bob', password: 'bob-Secret-8', toneHz: 1000 };
const CALL_SECONDS = 3;

describe.each([
  { relay: 'builtin', missing: undefined },
  { relay: 'rtpengine', missing: rtpengineMissing },
] as const)('media.relay $relay', ({ relay, missing }) => {
  describe.skipIf(!baresip || target.unavailable || notSwitchboard || missing)(
    suiteTitle(`baresip ↔ baresip through the B2BUA and the ${relay} media relay`, [
      baresipMissing,
      target.unavailable,
      notSwitchboard,
      missing,
    ]),
    () => {
      const call = useBaresipCall({
        name: 'relay',
        baresip: baresip!,
        users: [ALICE, BOB],
        media: { relay, ports: 20, rtpengine, rtpengineOffset: 600 },
        node: registrarNode(target, { subscribers: [ALICE, BOB], env: { SWITCHBOARD_B2BUA_MODE: 'all' } }),
      });

      it('alice calls bob; ~3 s of G.711 both ways through the relay; each hears the other', async () => {
        const alice = call.phone(ALICE);
        const bob = call.phone(BOB);
        const heard = await call.call(alice, bob, `sip:${BOB.username}@${DOMAIN}`, { seconds: CALL_SECONDS });
        // Each side receives from a relay port, never from the other phone.
        for (const ua of [alice, bob]) expectRtpFrom(ua, call.relayPorts, call.report());
        expectTone(heard.heardByCallee, ALICE.toneHz, BOB.toneHz, 'bob', call.report());
        expectTone(heard.heardByCaller, BOB.toneHz, ALICE.toneHz, 'alice', call.report());
      }, 60_000);
    },
  );
});
