import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BaresipEvent, BaresipUa } from './baresip-process.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { allocatePorts } from './ports.js';
import { DOMAIN, type RegistrarProcess, registrarUnderTest } from './registrar-process.js';
import {
  RTPENGINE_MEDIA_PORTS,
  type RtpengineProcess,
  rtpenginePeer,
  startRtpengine,
} from './rtpengine-process.js';
import { readWav, toneReport, writeToneWav } from './wav.js';

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

const isType =
  (type: string) =>
  (e: BaresipEvent): boolean =>
    e.type === type;

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
      let engine: RtpengineProcess | undefined;
      let node: RegistrarProcess;
      let alice: BaresipUa;
      let bob: BaresipUa;
      let carol: BaresipUa;
      let toneDir: string;
      let relayMin = 0;
      const RELAY_PORTS = 30;

      const reports = (): string =>
        [alice, bob, carol].map((ua) => ua?.report()).join('\n\n') + `\n\n${node?.report()}`;

      beforeAll(async () => {
        toneDir = mkdtempSync(join(tmpdir(), 'sb-transfer-tones-'));
        for (const who of [ALICE, BOB, CAROL])
          writeToneWav(join(toneDir, `${who.username}.wav`), who.toneHz, 60);
        const env: Record<string, string> = { SWITCHBOARD_B2BUA_MODE: 'all', SWITCHBOARD_MEDIA_RELAY: relay };
        if (relay === 'builtin') {
          const block = await allocatePorts(RELAY_PORTS + 1);
          relayMin = block + (block % 2);
          Object.assign(env, {
            SWITCHBOARD_MEDIA_ADDRESS: '127.0.0.1',
            SWITCHBOARD_MEDIA_PORT_MIN: String(relayMin),
            SWITCHBOARD_MEDIA_PORT_MAX: String(relayMin + RELAY_PORTS - 1),
            SWITCHBOARD_MEDIA_WORKERS: '1',
          });
        } else {
          relayMin = RTPENGINE_MEDIA_PORTS.min + 800;
          engine = await startRtpengine(rtpengine!, {
            portMin: relayMin,
            portMax: relayMin + RELAY_PORTS - 1,
          });
          env['SWITCHBOARD_MEDIA_RTPENGINE'] = engine.ngAddress;
        }
        node = await target.start({ subscribers: [ALICE, BOB, CAROL], env });
        const start = (who: typeof ALICE) =>
          BaresipUa.start(baresip!, {
            domain: DOMAIN,
            registrarPort: node.port,
            autoAnswer: true,
            sipTrace: true,
            name: who.username,
            user: who.username,
            password: who.password,
            toneWav: join(toneDir, `${who.username}.wav`),
          });
        alice = await start(ALICE);
        bob = await start(BOB);
        carol = await start(CAROL);
        for (const ua of [alice, bob, carol]) await ua.waitForLog(/\{0\/UDP\/v4\} 200 OK/, 15_000);
      }, 60_000);

      afterAll(async () => {
        for (const ua of [alice, bob, carol]) await ua?.stop();
        for (const ua of [alice, bob, carol]) ua?.cleanup();
        if (node) await node.stop();
        await engine?.stop();
        if (toneDir) rmSync(toneDir, { recursive: true, force: true });
      });

      /** Frames of `hz` in a recording (what a phone heard). */
      function heard(file: string, hz: number): number {
        return toneReport(readWav(file), hz).toneFrames;
      }

      const decoded = (ua: BaresipUa, old: Set<string>): string[] =>
        ua.recordings().filter((f) => !old.has(f) && f.endsWith('-dec.wav'));

      it('hold and resume by re-INVITE: the direction reaches the other phone through the relay', async () => {
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
        // sndfile names recordings by the second: a new second keeps the held call's apart.
        await new Promise((r) => setTimeout(r, 1_100));
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
        await new Promise((r) => setTimeout(r, 2_000));

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
        await new Promise((r) => setTimeout(r, 3_000));
        // Alice's call never ended: the B2BUA moved its media by re-INVITE.
        expect(alice.events.slice(since.alice).filter(isType('CALL_CLOSED')), reports()).toHaveLength(0);
        const hungUp = await alice.command('hangup');
        expect(hungUp.ok, `hangup: ${hungUp.data}\n${reports()}`).toBe(true);
        await carol.waitForEvent(isType('CALL_CLOSED'), 10_000, since.carol);
        await alice.waitForEvent(isType('CALL_CLOSED'), 10_000, since.alice);

        // Carol hears alice; alice heard bob and then carol (one recording: one call for alice).
        const carolHeard = decoded(carol, before.carol);
        expect(carolHeard.length, reports()).toBe(1);
        expect(heard(carolHeard[0]!, ALICE.toneHz), reports()).toBeGreaterThanOrEqual(100);
        expect(heard(carolHeard[0]!, BOB.toneHz)).toBe(0);
        const aliceHeard = decoded(alice, before.alice);
        expect(aliceHeard.length, reports()).toBe(1);
        expect(heard(aliceHeard[0]!, BOB.toneHz), reports()).toBeGreaterThanOrEqual(50);
        expect(heard(aliceHeard[0]!, CAROL.toneHz), reports()).toBeGreaterThanOrEqual(100);
        // Carol receives from a relay port, not from alice's phone.
        const from = [
          ...carol.output.matchAll(
            /incoming rtp for 'audio' established, receiving from 127\.0\.0\.1:(\d+)/g,
          ),
        ].map((m) => Number(m[1]));
        expect(from.length, reports()).toBeGreaterThan(0);
        expect(from.at(-1)! >= relayMin && from.at(-1)! < relayMin + RELAY_PORTS, `carol from ${from}`).toBe(
          true,
        );

        // CDRs: alice→bob ended by bob's side (the transfer), and the transfer's call bob→carol.
        let cdrs: Cdr[] = [];
        // Three calls: the held one, alice→bob, and the transfer's bob→carol.
        for (let i = 0; i < 50 && cdrs.length < 3; i++) {
          cdrs = (JSON.parse(await node.cli!(['cdr', 'list', '--json'])) as { cdrs: Cdr[] }).cdrs;
          if (cdrs.length < 3) await new Promise((r) => setTimeout(r, 200));
        }
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
