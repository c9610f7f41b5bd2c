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

const isType =
  (type: string, peer?: string) =>
  (e: BaresipEvent): boolean =>
    e.type === type && (peer === undefined || e.peeruri === peer);

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
      let engine: RtpengineProcess | undefined;
      let node: RegistrarProcess;
      let alice: BaresipUa;
      let bob: BaresipUa;
      let toneDir: string;
      let relayMin = 0;
      const RELAY_PORTS = 20;

      const reports = (): string =>
        `${alice?.report()}\n\n${bob?.report()}\n\n${node?.report()}\n\n${engine?.report() ?? ''}`;

      beforeAll(async () => {
        toneDir = mkdtempSync(join(tmpdir(), 'sb-relay-tones-'));
        writeToneWav(join(toneDir, 'alice.wav'), ALICE.toneHz, 30);
        writeToneWav(join(toneDir, 'bob.wav'), BOB.toneHz, 30);
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
          relayMin = RTPENGINE_MEDIA_PORTS.min + 600;
          engine = await startRtpengine(rtpengine!, {
            portMin: relayMin,
            portMax: relayMin + RELAY_PORTS - 1,
          });
          env['SWITCHBOARD_MEDIA_RTPENGINE'] = engine.ngAddress;
        }
        node = await target.start({ subscribers: [ALICE, BOB], env });
        const common = { domain: DOMAIN, registrarPort: node.port, autoAnswer: true };
        alice = await BaresipUa.start(baresip!, {
          ...common,
          name: 'alice',
          user: ALICE.username,
          password: ALICE.password,
          toneWav: join(toneDir, 'alice.wav'),
        });
        bob = await BaresipUa.start(baresip!, {
          ...common,
          name: 'bob',
          user: BOB.username,
          password: BOB.password,
          toneWav: join(toneDir, 'bob.wav'),
        });
        for (const ua of [alice, bob]) await ua.waitForLog(/\{0\/UDP\/v4\} 200 OK/, 15_000);
      }, 60_000);

      afterAll(async () => {
        await alice?.stop();
        await bob?.stop();
        alice?.cleanup();
        bob?.cleanup();
        if (node) await node.stop();
        await engine?.stop();
        if (toneDir) rmSync(toneDir, { recursive: true, force: true });
      });

      function expectTone(file: string, hz: number, otherHz: number, who: string): void {
        const wav = readWav(file);
        const wanted = toneReport(wav, hz);
        const own = toneReport(wav, otherHz);
        const why = `${who}'s recording ${file}: ${JSON.stringify({ rate: wav.sampleRate, wanted, own })}\n${reports()}`;
        expect(wav.sampleRate, why).toBe(8000);
        expect(wanted.toneFrames, why).toBeGreaterThanOrEqual(100);
        expect(own.toneFrames, why).toBe(0);
        expect(wanted.rms, why).toBeGreaterThan(500);
      }

      it('alice calls bob; ~3 s of G.711 both ways through the relay; each hears the other', async () => {
        const before = { alice: new Set(alice.recordings()), bob: new Set(bob.recordings()) };
        const dialed = await alice.command('dial', `sip:${BOB.username}@${DOMAIN}`);
        expect(dialed.ok, `dial: ${dialed.data}\n${reports()}`).toBe(true);
        await alice.waitForEvent(isType('CALL_ESTABLISHED'), 15_000);
        await bob.waitForEvent(isType('CALL_ESTABLISHED'), 15_000);
        await alice.waitForEvent(isType('CALL_RTPESTAB'), 10_000);
        await bob.waitForEvent(isType('CALL_RTPESTAB'), 10_000);
        await new Promise((r) => setTimeout(r, CALL_SECONDS * 1000));
        const hungUp = await alice.command('hangup');
        expect(hungUp.ok, `hangup: ${hungUp.data}\n${reports()}`).toBe(true);
        await alice.waitForEvent(isType('CALL_CLOSED'), 10_000);
        await bob.waitForEvent(isType('CALL_CLOSED'), 10_000);

        // Each side receives from a relay port, never from the other phone.
        for (const ua of [alice, bob]) {
          const from = [
            ...ua.output.matchAll(/incoming rtp for 'audio' established, receiving from 127\.0\.0\.1:(\d+)/g),
          ].map((m) => Number(m[1]));
          expect(from.length, reports()).toBeGreaterThan(0);
          const port = from.at(-1)!;
          expect(
            port >= relayMin && port < relayMin + RELAY_PORTS,
            `${ua.options.name} receives from ${port}, relay ports ${relayMin}-${relayMin + RELAY_PORTS - 1}`,
          ).toBe(true);
        }
        const heard = (ua: BaresipUa, old: Set<string>): string => {
          const fresh = ua.recordings().filter((f) => !old.has(f) && f.endsWith('-dec.wav'));
          expect(fresh.length, `${ua.options.name} recorded this call\n${ua.report()}`).toBe(1);
          return fresh[0]!;
        };
        expectTone(heard(bob, before.bob), ALICE.toneHz, BOB.toneHz, 'bob');
        expectTone(heard(alice, before.alice), BOB.toneHz, ALICE.toneHz, 'alice');
      }, 60_000);
    },
  );
});
