import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BaresipEvent, BaresipUa } from './baresip-process.js';
import type { Child } from './child.js';
import { missingPeerReason, peersRequired, requirePeer, suiteTitle } from './peers.js';
import { allocatePorts } from './ports.js';
import { DOMAIN, provisionSwitchboard } from './registrar-process.js';
import { switchboardBuilt, switchboardEntry } from './repo.js';
import { awaitNodeStarted, nodeEnv, spawnDataDirNode } from './switchboard-node.js';
import { writeToneWav } from './wav.js';
import { CAROL, contactUri, DAVE, recordRoutes } from './ws-clients.js';
import { audioSdp, header, type WsMessage, WsSipUa } from './ws-sip-client.js';

// One node listening on UDP/TCP, TLS, WS and WSS with the self-signed certificate it makes on its
// first start. Two baresip phones (Debian's 1.0.0) register and call each other over TLS, trusting
// that certificate (sip_cafile); a WebSocket client speaking SIP as a browser does (RFC 7118: Via
// WSS with a .invalid host, a Contact reachable only through its socket) registers over WSS and
// over WS, calls a baresip phone, and is called by it: the INVITE reaches it over its own socket.
const baresip = requirePeer('baresip', 'baresip');
const built = switchboardBuilt();
if (!built && peersRequired()) throw new Error(`${switchboardEntry} missing: run npm run build`);
const unavailable = [
  baresip ? undefined : missingPeerReason('baresip', 'baresip'),
  built ? undefined : `${switchboardEntry} missing: run npm run build`,
];

const ALICE = { username: 'alice', password: 'alice-Secret-9' };
const BOB = { username: 'bob', password: 'bob-Secret-8' };

const isType =
  (type: string, peer?: string) =>
  (e: BaresipEvent): boolean =>
    e.type === type && (peer === undefined || e.peeruri === peer);

describe.skipIf(unavailable.some(Boolean))(suiteTitle('TLS and WebSocket transports', unavailable), () => {
  let dataDir: string;
  let node: Child;
  let ports: { sip: number; tls: number; ws: number; wss: number };
  let certificate: string;
  let alice: BaresipUa;
  let bob: BaresipUa;
  const clients: WsSipUa[] = [];

  const reports = (): string => `${alice?.report()}\n\n${bob?.report()}\n\n${node?.report()}`;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sb-edge-'));
    await provisionSwitchboard(dataDir, { subscribers: [ALICE, BOB, CAROL, DAVE] });
    const first = await allocatePorts(4);
    ports = { sip: first, tls: first + 1, ws: first + 2, wss: first + 3 };
    node = spawnDataDirNode({
      port: ports.sip,
      dataDir,
      domain: DOMAIN,
      apiPort: 0,
      logLevel: 'info',
      env: nodeEnv({
        SWITCHBOARD_SIP_TRANSPORTS: 'udp,tcp,tls,ws,wss',
        SWITCHBOARD_TLS_PORT: String(ports.tls),
        SWITCHBOARD_WS_PORT: String(ports.ws),
        SWITCHBOARD_WSS_PORT: String(ports.wss),
      }),
    });
    await awaitNodeStarted(node, 'API listening', () => node.stop());
    certificate = join(dataDir, 'tls', 'self-signed.crt');
    writeToneWav(join(dataDir, 'tone.wav'), 800, 30);
    const common = {
      domain: DOMAIN,
      registrarPort: ports.tls,
      transport: 'tls' as const,
      cafile: certificate,
      toneWav: join(dataDir, 'tone.wav'),
      autoAnswer: true,
    };
    alice = await BaresipUa.start(baresip!, {
      ...common,
      name: 'alice',
      user: ALICE.username,
      password: ALICE.password,
    });
    bob = await BaresipUa.start(baresip!, {
      ...common,
      name: 'bob',
      user: BOB.username,
      password: BOB.password,
    });
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await alice?.stop();
    await bob?.stop();
    alice?.cleanup();
    bob?.cleanup();
    if (node) {
      const exit = await node.stop();
      expect(exit.killed, `switchboard ignored SIGTERM\n${node.report()}`).toBe(false);
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('made a self-signed certificate on its first start and said so', () => {
    expect(readFileSync(certificate, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(node.stdoutTail).toMatch(/made a self-signed certificate/);
  });

  it('registers two baresip phones over TLS', async () => {
    for (const ua of [alice, bob]) {
      const line = await ua.waitForLog(/\{0\/TLS\/v4\} 200 OK[^\n]*/, 15_000);
      expect(line[0], ua.report()).toMatch(/\[1 binding\]/);
    }
  }, 30_000);

  it('alice calls bob over TLS through the node; bob answers; alice hangs up', async () => {
    const mark = { alice: alice.events.length, bob: bob.events.length };
    const dialed = await alice.command('dial', `sip:${BOB.username}@${DOMAIN}`);
    expect(dialed.ok, `${dialed.data}\n${reports()}`).toBe(true);
    await alice.waitForEvent(isType('CALL_ESTABLISHED'), 15_000, mark.alice);
    await bob.waitForEvent(isType('CALL_ESTABLISHED', alice.aor), 15_000, mark.bob);
    expect((await alice.command('hangup')).ok).toBe(true);
    await alice.waitForEvent(isType('CALL_CLOSED'), 10_000, mark.alice);
    // baresip 1.0 reports a BYE received as ECONNRESET: bob was hung up on, not dropped.
    const closed = await bob.waitForEvent(isType('CALL_CLOSED'), 10_000, mark.bob);
    expect(closed.param, reports()).toBe('Connection reset by peer');
  }, 60_000);

  async function wsClient(secure: boolean, who: { username: string; password: string }): Promise<WsSipUa> {
    const url = secure ? `wss://127.0.0.1:${ports.wss}` : `ws://127.0.0.1:${ports.ws}`;
    const ua = await WsSipUa.connect({
      url,
      user: who.username,
      domain: DOMAIN,
      password: who.password,
      ca: readFileSync(certificate, 'utf8'),
    });
    clients.push(ua);
    return ua;
  }

  for (const secure of [true, false]) {
    const scheme = secure ? 'WSS' : 'WS';
    const who = secure ? CAROL : DAVE;

    it(`a WebSocket client registers over ${scheme} and calls baresip bob (signalling)`, async () => {
      const ua = await wsClient(secure, who);
      const registered = await ua.request('REGISTER', `sip:${DOMAIN}`, { headers: ['Expires: 300'] });
      expect(registered.status, registered.raw).toBe(200);
      expect(header(registered, 'Contact') ?? '').toContain(`${ua.host};transport=${scheme.toLowerCase()}`);

      const mark = bob.events.length;
      const fromTag = 'caller1';
      const invite = await ua.request('INVITE', `sip:${BOB.username}@${DOMAIN}`, {
        fromTag,
        body: audioSdp(40_000),
      });
      expect(invite.status, `${invite.raw}\n${reports()}`).toBe(200);
      expect(invite.body).toMatch(/m=audio \d+ RTP\/AVP/);
      // ACK and BYE follow the route set the node recorded (RFC 3261 §12.2.1.1), through it to bob.
      const routes = recordRoutes(invite).reverse();
      const remote = contactUri(invite);
      const to = header(invite, 'To')!;
      const callId = header(invite, 'Call-ID')!;
      const cseq = Number.parseInt(header(invite, 'CSeq')!, 10);
      const inDialog = (method: string, seq: number): string =>
        [
          `${method} ${remote} SIP/2.0`,
          `Via: SIP/2.0/${scheme} ${ua.host};branch=z9hG4bK${method}${seq}${Date.now()}`,
          'Max-Forwards: 70',
          ...routes.map((r) => `Route: ${r}`),
          `From: <${ua.aor}>;tag=${fromTag}`,
          `To: ${to}`,
          `Call-ID: ${callId}`,
          `CSeq: ${seq} ${method}`,
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n');
      ua.send(inDialog('ACK', cseq));
      await bob.waitForEvent(isType('CALL_ESTABLISHED', ua.aor), 15_000, mark);
      const before = ua.received.length;
      ua.send(inDialog('BYE', cseq + 1));
      const byeAnswer = await ua.next(
        (m) => m.status !== undefined && /BYE/.test(header(m, 'CSeq') ?? ''),
        10_000,
        before,
      );
      expect(byeAnswer.status, `${byeAnswer.raw}\n${reports()}`).toBe(200);
      await bob.waitForEvent(isType('CALL_CLOSED'), 10_000, mark);
    }, 60_000);

    it(`baresip bob calls the ${scheme} client: the INVITE reaches it over its own socket`, async () => {
      const ua = clients.find((c) => c.options.user === who.username)!;
      const mark = bob.events.length;
      const from = ua.received.length;
      const dialed = await bob.command('dial', `sip:${who.username}@${DOMAIN}`);
      expect(dialed.ok, `${dialed.data}\n${reports()}`).toBe(true);
      const invite: WsMessage = await ua.next((m) => m.method === 'INVITE', 15_000, from);
      expect(invite.startLine).toContain(`${ua.host};transport=${scheme.toLowerCase()}`);
      // RFC 7118 §5.2: the node's Via on the request says which transport reached the client.
      expect(header(invite, 'Via')).toMatch(new RegExp(`^SIP/2\\.0/${scheme} `));
      ua.respond(invite, 180, 'Ringing', { toTag: 'callee1' });
      ua.respond(invite, 200, 'OK', { toTag: 'callee1', body: audioSdp(40_002) });
      await ua.next((m) => m.method === 'ACK', 10_000, from);
      await bob.waitForEvent(isType('CALL_ESTABLISHED'), 15_000, mark);
      const beforeBye = ua.received.length;
      expect((await bob.command('hangup')).ok).toBe(true);
      const bye = await ua.next((m) => m.method === 'BYE', 10_000, beforeBye);
      ua.respond(bye, 200, 'OK');
      await bob.waitForEvent(isType('CALL_CLOSED'), 10_000, mark);
    }, 60_000);
  }

  it('counts connections per transport and answered STUN keep-alives in /metrics', async () => {
    // RFC 5626 §3.5.2: a STUN Binding request on the SIP UDP port gets the source address back.
    const { createSocket } = await import('node:dgram');
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const request = Buffer.alloc(20);
    request.writeUInt16BE(0x0001, 0);
    request.writeUInt32BE(0x2112a442, 4);
    request.write('edge-transp1', 8, 'latin1');
    const answer = new Promise<Buffer>((resolve) => socket.once('message', resolve));
    socket.send(request, ports.sip, '127.0.0.1');
    const response = await answer;
    socket.close();
    expect(response.readUInt16BE(0)).toBe(0x0101);
    expect(response.subarray(8, 20).toString('latin1')).toBe('edge-transp1');

    const api = (await node.waitForLine((l) => l.startsWith('API on '), 1_000)).slice('API on '.length);
    const text = await (await fetch(`${api}/metrics`)).text();
    const gauge = (transport: string): number =>
      Number(
        new RegExp(`sip_transport_connections\\{transport="${transport}"\\} (\\d+)`).exec(text)?.[1] ?? -1,
      );
    // alice and bob over TLS; carol's WSS and dave's WS sockets are still open.
    expect(gauge('tls'), text).toBeGreaterThanOrEqual(2);
    expect(gauge('wss'), text).toBe(1);
    expect(gauge('ws'), text).toBe(1);
    expect(text).toMatch(/sip_stun_requests_total\{result="answered"\} 1\b/);
  });

  it('refuses a WebSocket client that does not offer the sip subprotocol', async () => {
    const { default: WebSocket } = await import('ws');
    const refused = await new Promise<string>((resolve) => {
      const socket = new WebSocket(`ws://127.0.0.1:${ports.ws}`, ['chat']);
      socket.once('open', () => resolve('opened'));
      socket.once('error', (e) => resolve(e.message));
    });
    expect(refused).toMatch(/400/);
  });
});
