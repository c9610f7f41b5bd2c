import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaresipUa } from './baresip-process.js';
import { bundleJsSip, PageServer } from './browser-page.js';
import { Child } from './child.js';
import { missingPeerReason, peersRequired, requirePeer, suiteTitle } from './peers.js';
import { allocatePorts } from './ports.js';
import { DOMAIN, provisionSwitchboard } from './registrar-process.js';
import { switchboardBuilt, switchboardEntry } from './repo.js';
import { awaitNodeStarted, nodeEnv, spawnDataDirNode } from './switchboard-node.js';
import { writeToneWav } from './wav.js';

// JsSIP (npm) in Debian's headless Chromium registers over WSS to a node that uses its
// self-signed certificate (Chromium told to accept it) and calls a baresip phone registered over
// UDP. Signalling only: JsSIP offers WebRTC media (ICE, DTLS-SRTP) that baresip 1.0 as configured
// here does not take, so the call ends with baresip's answer; audio waits for the WebRTC part of
// the media work.
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

describe.skipIf(unavailable.some(Boolean))(
  suiteTitle('JsSIP in headless Chromium over WSS', unavailable),
  () => {
    let dataDir: string;
    let node: Child;
    let bob: BaresipUa;
    let page: PageServer;
    let browser: Child;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'sb-browser-'));
      await provisionSwitchboard(dataDir, { subscribers: [CAROL, BOB] });
      const first = await allocatePorts(4);
      const ports = { sip: first, tls: first + 1, wss: first + 2, http: first + 3 };
      node = spawnDataDirNode({
        port: ports.sip,
        dataDir,
        domain: DOMAIN,
        apiPort: 0,
        logLevel: 'warn',
        env: nodeEnv({
          SWITCHBOARD_SIP_TRANSPORTS: 'udp,tcp,wss',
          SWITCHBOARD_WSS_PORT: String(ports.wss),
        }),
      });
      await awaitNodeStarted(node, 'listening', () => node.stop());
      writeToneWav(join(dataDir, 'tone.wav'), 800, 30);
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

    it('registers over WSS and its call reaches the baresip phone, whose answer comes back', async () => {
      const reports = () =>
        `${JSON.stringify(page.reports)}\n${bob.report()}\n${node.report()}\n${browser.report()}`;
      await page.until('registered', 30_000).catch((e: Error) => {
        throw new Error(`${e.message}\n${reports()}`);
      });
      const mark = bob.events.length;
      const outcome = await page.untilAny(['confirmed', 'failed'], 30_000).catch((e: Error) => {
        throw new Error(`${e.message}\n${reports()}`);
      });
      console.log(
        `JsSIP call outcome: ${JSON.stringify(outcome)}; bob events: ${bob.events.slice(mark).map((e) => e.type)}`,
      );
      // Either the call was set up, or baresip itself answered it (not the node: the INVITE got there).
      if (outcome.event === 'failed') {
        // baresip's own answer (488 for WebRTC media it does not take), relayed back over the socket.
        expect(outcome.originator, reports()).toBe('remote');
        expect(outcome.status, reports()).toBeGreaterThanOrEqual(400);
        const closed = await bob.waitForEvent((e) => e.type === 'CALL_CLOSED', 5_000, mark);
        expect(closed.peeruri, reports()).toBe(`sip:${CAROL.username}@${DOMAIN}`);
      }
    }, 60_000);
  },
);
