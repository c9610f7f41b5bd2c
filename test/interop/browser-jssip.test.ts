import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atLeast, type B2buaCdr } from './b2bua-node.js';
import { expectTone, isType, newRecording } from './baresip-call-fixture.js';
import { BaresipUa } from './baresip-process.js';
import { bundleJsSip, PageServer } from './browser-page.js';
import { Child } from './child.js';
import { type MediaAnchor, startMediaAnchor } from './media-anchor.js';
import { missingPeerReason, peersRequired, requirePeer, suiteTitle } from './peers.js';
import { allocatePorts } from './ports.js';
import { DOMAIN, provisionSwitchboard, switchboardCli } from './registrar-process.js';
import { switchboardBuilt, switchboardEntry } from './repo.js';
import { awaitNodeStarted, nodeEnv, spawnDataDirNode } from './switchboard-node.js';
import { readWav, toneReport, writeToneWav } from './wav.js';

// JsSIP (npm) in Debian's headless Chromium registers over WSS to a node that uses its
// self-signed certificate (Chromium told to accept it) and calls a baresip phone registered over
// UDP. The node's B2BUA takes the call (b2bua.mode all) and anchors its media on the built-in
// relay, which terminates the browser's WebRTC (ICE-lite, DTLS-SRTP) and offers baresip plain
// RTP/AVP: baresip answers, the browser's fake-device tone (a 440 Hz WAV) reaches baresip's
// recording, baresip's 1 kHz tone reaches the page (getStats), the page hangs up (BYE) and the
// node writes the CDR.
const chromium = requirePeer('chromium', 'chromium');
const baresip = requirePeer('baresip', 'baresip');
const built = switchboardBuilt();
if (!built && peersRequired()) throw new Error(`${switchboardEntry} missing: run npm run build`);
const unavailable = [
  chromium ? undefined : missingPeerReason('chromium', 'chromium'),
  baresip ? undefined : missingPeerReason('baresip', 'baresip'),
  built ? undefined : `${switchboardEntry} missing: run npm run build`,
];

const CAROL = { username: 'carol', password: 'carol-Secret-7' };
const BOB = { username: 'bob', password: 'bob-Secret-8' };
const BROWSER_HZ = 440;
const BOB_HZ = 1000;
/** How long the page keeps the call up before its BYE. */
const CALL_MS = 5_000;

describe.skipIf(unavailable.some(Boolean))(
  suiteTitle('JsSIP in headless Chromium over WSS', unavailable),
  () => {
    let dataDir: string;
    let node: Child;
    let bob: BaresipUa;
    let page: PageServer;
    let browser: Child;
    let media: MediaAnchor;
    let api: { url: string; key: string };

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'sb-browser-'));
      await provisionSwitchboard(dataDir, { subscribers: [CAROL, BOB] });
      const made = JSON.parse(await switchboardCli(dataDir, ['apikey', 'add', 'interop', '--json'])) as {
        key: string;
      };
      const first = await allocatePorts(5);
      const ports = { sip: first, tls: first + 1, wss: first + 2, http: first + 3, api: first + 4 };
      api = { url: `http://127.0.0.1:${ports.api}`, key: made.key };
      media = await startMediaAnchor({ relay: 'builtin', ports: 20 });
      node = spawnDataDirNode({
        port: ports.sip,
        dataDir,
        domain: DOMAIN,
        apiPort: ports.api,
        logLevel: 'warn',
        env: nodeEnv({
          SWITCHBOARD_SIP_TRANSPORTS: 'udp,tcp,wss',
          SWITCHBOARD_WSS_PORT: String(ports.wss),
          SWITCHBOARD_B2BUA_MODE: 'all',
          ...media.env,
        }),
      });
      await awaitNodeStarted(node, 'listening', () => node.stop());
      writeToneWav(join(dataDir, 'tone.wav'), BOB_HZ, 30);
      // Chromium's fake capture device plays this file (48 kHz, what WebRTC audio runs at).
      writeToneWav(join(dataDir, 'browser-tone.wav'), BROWSER_HZ, 30, 48000);
      bob = await BaresipUa.start(baresip!, {
        name: 'bob',
        user: BOB.username,
        password: BOB.password,
        domain: DOMAIN,
        registrarPort: ports.sip,
        toneWav: join(dataDir, 'tone.wav'),
        autoAnswer: true,
      });
      await bob.waitForLog(/\{0\/UDP\/v4\} 200 OK/, 15_000);
      page = await PageServer.start(
        ports.http,
        {
          socket: `wss://127.0.0.1:${ports.wss}`,
          uri: `sip:${CAROL.username}@${DOMAIN}`,
          password: CAROL.password,
          call: `sip:${BOB.username}@${DOMAIN}`,
          hangUpAfterMs: CALL_MS,
        },
        await bundleJsSip(),
      );
      browser = new Child('chromium', chromium!, [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        `--user-data-dir=${join(dataDir, 'chromium')}`,
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        `--use-file-for-fake-audio-capture=${join(dataDir, 'browser-tone.wav')}`,
        '--autoplay-policy=no-user-gesture-required',
        // Only loopback exists in the test's network namespace: let WebRTC gather candidates on it.
        '--allow-loopback-in-peer-connection',
        // The node's certificate is the self-signed one it made: a browser must be told to take it.
        '--ignore-certificate-errors',
        `http://127.0.0.1:${ports.http}/`,
      ]);
    }, 90_000);

    afterAll(async () => {
      await browser?.stop(5_000);
      await page?.close();
      await bob?.stop();
      bob?.cleanup();
      if (node) await node.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    const cdrs = () =>
      atLeast(1, async () => {
        const response = await fetch(`${api.url}/v1/cdrs`, {
          headers: { authorization: `Bearer ${api.key}` },
        });
        return ((await response.json()) as { cdrs: B2buaCdr[] }).cdrs;
      });

    it('registers over WSS, calls the baresip phone through the B2BUA and the relay, audio both ways, BYE, CDR', async () => {
      const reports = () =>
        `${JSON.stringify(page.reports.slice(-8))}\n${bob.report()}\n${node.report()}\n${browser.report()}`;
      await page.until('registered', 30_000).catch((e: Error) => {
        throw new Error(`${e.message}\n${reports()}`);
      });
      const mark = bob.events.length;
      const before = new Set(bob.recordings());
      const outcome = await page.untilAny(['confirmed', 'failed'], 30_000).catch((e: Error) => {
        throw new Error(`${e.message}\n${reports()}`);
      });
      // baresip answered the B2BUA's plain RTP/AVP offer: the call is set up, not refused.
      expect(outcome.event, reports()).toBe('confirmed');
      const established = await bob.waitForEvent(isType('CALL_ESTABLISHED'), 10_000, mark);
      expect(established.peeruri, reports()).toBe(`sip:${CAROL.username}@${DOMAIN}`);
      await bob.waitForEvent(isType('CALL_RTPESTAB'), 10_000, mark);
      // The page hangs up after CALL_MS: its BYE reaches baresip through the B2BUA.
      const ended = await page.until('ended', CALL_MS + 15_000).catch((e: Error) => {
        throw new Error(`${e.message}\n${reports()}`);
      });
      expect(ended.cause, reports()).toBe('Terminated');
      await bob.waitForEvent(isType('CALL_CLOSED'), 10_000, mark);
      // Browser → baresip: the fake device's 440 Hz tone, in what baresip heard (never its own tone).
      const recording = newRecording(bob, before);
      expectTone(recording, BROWSER_HZ, BOB_HZ, 'bob', reports());
      // baresip → browser: the page's inbound-rtp counted packets and heard sound, over DTLS-SRTP.
      const heard = page.reports.filter((r) => r.event === 'stats' && Number(r['packetsReceived'] ?? 0) > 50);
      const last = heard.at(-1);
      expect(last, reports()).toBeDefined();
      expect(last!['dtlsState'], reports()).toBe('connected');
      expect(Number(last!['packetsSent'] ?? 0), reports()).toBeGreaterThan(50);
      expect(
        Number(last!['totalAudioEnergy'] ?? 0) + Number(last!['audioLevel'] ?? 0),
        reports(),
      ).toBeGreaterThan(0);
      // The B2BUA's CDR: answered, the caller (the page) hung up.
      const written = await cdrs();
      expect(written, reports()).toHaveLength(1);
      expect(written[0], reports()).toMatchObject({ status: 200, disposition: 'answered', hangup: 'caller' });
      expect(written[0]!.billableSeconds, reports()).toBeGreaterThanOrEqual(3);
      // The relay's figures in the CDR: the browser's leg was WebRTC, its DTLS handshake done.
      const streams = (written[0] as { media?: { streams?: Array<Record<string, unknown>> } }).media?.streams;
      const browserRtp = streams?.find((s) => s['label'] === 'caller' && s['component'] === 'rtp');
      expect(browserRtp?.['webrtc'], reports()).toMatchObject({ dtls: 'connected', consent: true });
      console.log(
        `JsSIP call: bob heard ${JSON.stringify(toneReport(readWav(recording), BROWSER_HZ))}; page stats ${JSON.stringify(last)}; CDR ${JSON.stringify(written[0])}`,
      );
    }, 90_000);
  },
);
