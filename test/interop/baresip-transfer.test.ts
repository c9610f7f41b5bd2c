import { describe, expect, it } from 'vitest';
import { atLeast } from './b2bua-node.js';
import {
  expectRtpFrom,
  isType,
  newRecording,
  registrarNode,
  sleep,
  toneFrames,
  useBaresipCall,
} from './baresip-call-fixture.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { DOMAIN, registrarUnderTest } from './registrar-process.js';
import { rtpenginePeer } from './rtpengine-process.js';

// Three baresip phones behind a node whose B2BUA takes every call (b2bua.mode all) with media
// anchored on the built-in relay, then on a real rtpengine (the one MediaRelay interface). Alice
// calls bob; bob puts alice on hold and resumes (re-INVITE through the B2BUA: the direction
// reaches alice through the relay's SDP); then bob blind-transfers
// alice to carol with baresip's `transfer` command (REFER): the B2BUA places carol's leg, carol
// answers, alice's media moves to carol (re-INVITE), bob's leg is released. Each tone is checked in
// what the others recorded, and the CDRs say what happened. Switchboard only.
const baresip = requirePeer('baresip', 'baresip');
const target = registrarUnderTest();
const baresipMissing = baresip ? undefined : missingPeerReason('baresip', 'baresip');
const notSwitchboard = target.name === 'switchboard' ? undefined : 'B2BUA transfer is Switchboard-only';
const rtpengine = rtpenginePeer();
const rtpengineMissing = rtpengine ? undefined : missingPeerReason('rtpengine', 'rtpengine-daemon');

const ALICE = { username: 'alice', password: 'alice-Secret-9', toneHz: 600 };
const BOB = { username: 'bob', password: 'bob-Secret-8', toneHz: 1000 };
const CAROL = { username: 'carol', password: 'carol-Secret-7', toneHz: 1400 };

interface Cdr {
  caller: string;
  callee: string;
  status: number;
  hangup: string;
  disposition: string;
  callerCallId: string;
}

describe.each([
  { relay: 'builtin', missing: undefined },
  { relay: 'rtpengine', missing: rtpengineMissing },
] as const)('media.relay $relay', ({ relay, missing }) => {
  describe.skipIf(!baresip || target.unavailable || notSwitchboard || missing)(
    suiteTitle(`baresip blind transfer and hold through the B2BUA (${relay} relay)`, [
      baresipMissing,
      target.unavailable,
      notSwitchboard,
      missing,
    ]),
    () => {
      const call = useBaresipCall({
        name: 'transfer',
        baresip: baresip!,
        users: [ALICE, BOB, CAROL],
        toneSeconds: 60,
        phone: () => ({ sipTrace: true }),
        media: { relay, ports: 30, rtpengine, rtpengineOffset: 800 },
        node: registrarNode(target, {
          subscribers: [ALICE, BOB, CAROL],
          env: { SWITCHBOARD_B2BUA_MODE: 'all' },
        }),
      });
      const reports = (): string => call.report();

      it('hold and resume by re-INVITE: the direction reaches the other phone through the relay', async () => {
        const [alice, bob] = [call.phone(ALICE), call.phone(BOB)];
        const dialed = await alice.command('dial', `sip:${BOB.username}@${DOMAIN}`);
        expect(dialed.ok, `dial: ${dialed.data}\n${reports()}`).toBe(true);
        const since = { alice: alice.events.length, bob: bob.events.length };
        await alice.waitForEvent(isType('CALL_ESTABLISHED'), 15_000, since.alice);
        await bob.waitForEvent(isType('CALL_ESTABLISHED'), 15_000, since.bob);
        await alice.waitForEvent(isType('CALL_RTPESTAB'), 10_000, since.alice);

        // Hold: bob's re-INVITE offers a=sendonly; alice gets it from the B2BUA (relay SDP) and answers recvonly.
        const aliceLog = alice.output.length;
        const bobLog = bob.output.length;
        const held = await bob.command('hold');
        expect(held.ok, `hold: ${held.data}\n${reports()}`).toBe(true);
        await alice.waitForLog(/a=sendonly[\s\S]*a=recvonly/, 10_000, aliceLog);
        const holdInvite = alice.output.slice(aliceLog);
        expect(holdInvite, reports()).toMatch(/INVITE sip:[^\n]*SIP\/2\.0[\s\S]*a=sendonly/);
        // Topology hiding holds for the re-INVITE too: bob's address is not in what alice got.
        expect(holdInvite).not.toContain(`127.0.0.1:${bob.sipPort}`);
        // Alice's recvonly answer reaches bob (through the relay) in the 200.
        await bob.waitForLog(/SIP\/2\.0 200 OK[\s\S]*a=recvonly/, 10_000, bobLog);
        const resumeLog = alice.output.length;
        const resumed = await bob.command('resume');
        expect(resumed.ok, `resume: ${resumed.data}\n${reports()}`).toBe(true);
        await alice.waitForLog(/a=sendrecv/, 10_000, resumeLog);
        expect(alice.output.slice(resumeLog)).toMatch(/INVITE sip:[\s\S]*a=sendrecv/);
        const hungUp = await alice.command('hangup');
        expect(hungUp.ok, `hangup: ${hungUp.data}\n${reports()}`).toBe(true);
        await alice.waitForEvent(isType('CALL_CLOSED'), 10_000, since.alice);
        await bob.waitForEvent(isType('CALL_CLOSED'), 10_000, since.bob);
      }, 60_000);

      it('bob blind-transfers alice to carol (REFER): carol and alice hear each other, bob is released', async () => {
        const [alice, bob, carol] = [call.phone(ALICE), call.phone(BOB), call.phone(CAROL)];
        // sndfile names recordings by the second: a new second keeps the held call's apart.
        await sleep(1_100);
        const before = {
          alice: new Set(alice.recordings()),
          carol: new Set(carol.recordings()),
        };
        const since = { alice: alice.events.length, bob: bob.events.length, carol: carol.events.length };
        const bobLog = bob.output.length;
        const dialed = await alice.command('dial', `sip:${BOB.username}@${DOMAIN}`);
        expect(dialed.ok, `dial: ${dialed.data}\n${reports()}`).toBe(true);
        await alice.waitForEvent(isType('CALL_ESTABLISHED'), 15_000, since.alice);
        await bob.waitForEvent(isType('CALL_ESTABLISHED'), 15_000, since.bob);
        await alice.waitForEvent(isType('CALL_RTPESTAB'), 10_000, since.alice);
        await sleep(2_000);

        // Blind transfer: bob REFERs alice's call to carol.
        const transferred = await bob.command('transfer', `sip:${CAROL.username}@${DOMAIN}`);
        expect(transferred.ok, `transfer: ${transferred.data}\n${reports()}`).toBe(true);
        await carol.waitForEvent(isType('CALL_ESTABLISHED'), 15_000, since.carol);
        await bob.waitForEvent(isType('CALL_CLOSED'), 15_000, since.bob);
        await carol.waitForEvent(isType('CALL_RTPESTAB'), 10_000, since.carol);
        // The REFER was accepted and bob was told the outcome (sipfrag NOTIFY).
        expect(bob.output.slice(bobLog), reports()).toMatch(/SIP\/2\.0 202 Accepted/);
        expect(bob.output.slice(bobLog)).toMatch(
          /NOTIFY [\s\S]*Subscription-State: terminated;reason=noresource[\s\S]*SIP\/2\.0 200 OK/,
        );
        await sleep(3_000);
        // Alice's call never ended: the B2BUA moved its media by re-INVITE.
        expect(alice.events.slice(since.alice).filter(isType('CALL_CLOSED')), reports()).toHaveLength(0);
        const hungUp = await alice.command('hangup');
        expect(hungUp.ok, `hangup: ${hungUp.data}\n${reports()}`).toBe(true);
        await carol.waitForEvent(isType('CALL_CLOSED'), 10_000, since.carol);
        await alice.waitForEvent(isType('CALL_CLOSED'), 10_000, since.alice);

        // Carol hears alice; alice heard bob and then carol (one recording: one call for alice).
        const carolHeard = newRecording(carol, before.carol);
        expect(toneFrames(carolHeard, ALICE.toneHz), reports()).toBeGreaterThanOrEqual(100);
        expect(toneFrames(carolHeard, BOB.toneHz)).toBe(0);
        const aliceHeard = newRecording(alice, before.alice);
        expect(toneFrames(aliceHeard, BOB.toneHz), reports()).toBeGreaterThanOrEqual(50);
        expect(toneFrames(aliceHeard, CAROL.toneHz), reports()).toBeGreaterThanOrEqual(100);
        // Carol receives from a relay port, not from alice's phone.
        expectRtpFrom(carol, call.relayPorts, reports());

        // CDRs: alice→bob ended by bob's side (the transfer), and the transfer's call bob→carol.
        // Three calls: the held one, alice→bob, and the transfer's bob→carol.
        const cdrs = await atLeast(
          3,
          async () => (JSON.parse(await call.node.cli!(['cdr', 'list', '--json'])) as { cdrs: Cdr[] }).cdrs,
        );
        const toCarol = cdrs.find((c) => c.callee.includes('carol'));
        const original = cdrs.find(
          (c) => c.callee.includes('bob') && c.callerCallId === toCarol?.callerCallId,
        );
        expect(original, JSON.stringify(cdrs)).toMatchObject({
          status: 200,
          hangup: 'callee',
          disposition: 'answered',
        });
        expect(toCarol, JSON.stringify(cdrs)).toMatchObject({
          caller: `sip:bob@${DOMAIN}`,
          status: 200,
          hangup: 'caller',
          disposition: 'answered',
        });
      }, 90_000);
    },
  );
});
