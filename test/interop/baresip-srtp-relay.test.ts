import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BaresipEvent, BaresipUa } from './baresip-process.js';
import { type CapturedDatagram, LoopbackCapture } from './capture.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';
import { allocatePorts } from './ports.js';
import { DOMAIN, type RegistrarProcess, registrarUnderTest } from './registrar-process.js';
import { readWav, toneReport, writeToneWav } from './wav.js';

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

const isType = (type: string) => (e: BaresipEvent) => e.type === type;

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
      let node: RegistrarProcess;
      let alice: BaresipUa;
      let bob: BaresipUa;
      let capture: LoopbackCapture | undefined;
      let toneDir: string;
      let relayMin = 0;

      const reports = (): string =>
        `${alice?.report()}\n\n${bob?.report()}\n\n${node?.report()}\n\n${capture?.report() ?? ''}`;

      beforeAll(async () => {
        toneDir = mkdtempSync(join(tmpdir(), 'sb-srtp-tones-'));
        writeToneWav(join(toneDir, 'alice.wav'), ALICE.toneHz, 30);
        writeToneWav(join(toneDir, 'bob.wav'), BOB.toneHz, 30);
        const block = await allocatePorts(RELAY_PORTS + 1);
        relayMin = block + (block % 2);
        node = await target.start({
          subscribers: [ALICE, BOB],
          env: {
            SWITCHBOARD_B2BUA_MODE: 'all',
            SWITCHBOARD_MEDIA_RELAY: 'builtin',
            SWITCHBOARD_MEDIA_ADDRESS: '127.0.0.1',
            SWITCHBOARD_MEDIA_PORT_MIN: String(relayMin),
            SWITCHBOARD_MEDIA_PORT_MAX: String(relayMin + RELAY_PORTS - 1),
            SWITCHBOARD_MEDIA_WORKERS: '1',
          },
        });
        const common = { domain: DOMAIN, registrarPort: node.port, autoAnswer: true };
        alice = await BaresipUa.start(baresip!, {
          ...common,
          name: 'alice',
          user: ALICE.username,
          password: ALICE.password,
          toneWav: join(toneDir, 'alice.wav'),
          mediaenc: aliceEnc,
          sipTrace: true,
        });
        bob = await BaresipUa.start(baresip!, {
          ...common,
          name: 'bob',
          user: BOB.username,
          password: BOB.password,
          toneWav: join(toneDir, 'bob.wav'),
          ...(bobEnc === undefined ? {} : { mediaenc: bobEnc }),
          sipTrace: true,
        });
        for (const ua of [alice, bob]) await ua.waitForLog(/\{0\/UDP\/v4\} 200 OK/, 15_000);
      }, 60_000);

      afterAll(async () => {
        await capture?.stop();
        capture?.cleanup();
        await alice?.stop();
        await bob?.stop();
        alice?.cleanup();
        bob?.cleanup();
        if (node) await node.stop();
        if (toneDir) rmSync(toneDir, { recursive: true, force: true });
      });

      function expectTone(file: string, hz: number, otherHz: number, who: string): void {
        const wav = readWav(file);
        const wanted = toneReport(wav, hz);
        const own = toneReport(wav, otherHz);
        const why = `${who}'s recording ${file}: ${JSON.stringify({ rate: wav.sampleRate, wanted, own })}\n${reports()}`;
        expect(wanted.toneFrames, why).toBeGreaterThanOrEqual(100);
        expect(own.toneFrames, why).toBe(0);
        expect(wanted.rms, why).toBeGreaterThan(500);
      }

      it(`alice (${aliceEnc}) calls bob (${bobEnc ?? 'plain RTP'}): payloads differ on the wire, each hears the other’s tone`, async () => {
        const relayMax = relayMin + RELAY_PORTS - 1;
        capture = await LoopbackCapture.start(
          tshark!,
          'srtp',
          `udp portrange ${relayMin}-${relayMax}`,
          relayMax,
        );
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
