import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { defaultConfig } from '../../src/config/index.js';
import { type RunningNode, startNode } from '../../src/node.js';
import { SQLITE_FILE, SqliteProvisioningStore } from '../../src/store/index.js';
import { audioSdp, header, WsSipUa } from '../interop/ws-sip-client.js';

// sip.websocketOnApiPort: browsers' SIP over WebSocket on the API's port (RFC 7118 §4) beside its
// REST routes. Two WebSocket clients speaking as JsSIP does register there; one calls the other,
// and the INVITE and the ACK reach the callee over its own socket.
const DOMAIN = 'example.com';
const CAROL = { username: 'carol', password: 'carol-Secret-7' };
const DAVE = { username: 'dave', password: 'dave-Secret-6' };

describe('SIP over WebSocket on the API port (sip.websocketOnApiPort)', () => {
  let dataDir: string;
  let node: RunningNode;
  let apiPort: number;
  const clients: WsSipUa[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sb-ws-api-'));
    const store = await SqliteProvisioningStore.open(join(dataDir, SQLITE_FILE));
    await store.addDomain(DOMAIN);
    for (const who of [CAROL, DAVE]) await store.addSubscriber({ ...who, domain: DOMAIN });
    await store.close();
    const config = defaultConfig();
    config.dataDir = dataDir;
    config.sip.port = 0;
    config.sip.listen = ['127.0.0.1'];
    config.sip.transports = ['udp'];
    config.sip.websocketOnApiPort = true;
    config.api.port = 0;
    node = await startNode(config, pino({ level: 'silent' }));
    apiPort = node.api!.port;
  });

  afterAll(async () => {
    // Clients still connected: the API's close must not wait for their sockets.
    const started = Date.now();
    await node?.stop();
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const c of clients) c.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function client(who: { username: string; password: string }): Promise<WsSipUa> {
    const ua = await WsSipUa.connect({
      url: `ws://127.0.0.1:${apiPort}`,
      user: who.username,
      domain: DOMAIN,
      password: who.password,
      outbound: true,
    });
    clients.push(ua);
    return ua;
  }

  it('listens for SIP over WS on the API port', () => {
    expect(node.listening).toContainEqual({ protocol: 'ws', address: '127.0.0.1', port: apiPort });
  });

  it('registers a WebSocket client through the digest challenge, no API key asked', async () => {
    const carol = await client(CAROL);
    const registered = await carol.request('REGISTER', `sip:${DOMAIN}`, { headers: ['Expires: 300'] });
    expect(registered.status, registered.raw).toBe(200);
    expect(header(registered, 'Contact') ?? '').toContain(`${carol.host};transport=ws`);
    // RFC 5626 §5.2: the registrar kept the flow the REGISTER came on.
    expect(header(registered, 'Require')).toBe('outbound');
    const [binding] = await node.services!.location.lookup(`sip:carol@${DOMAIN}`);
    expect(binding?.source?.protocol).toBe('ws');
    expect(binding?.source?.connectionId).toMatch(/^ws-/);
  });

  it("a call reaches the registered client over its own socket, and so does the caller's ACK", async () => {
    const carol = clients.find((c) => c.options.user === CAROL.username)!;
    const dave = await client(DAVE);
    const from = carol.received.length;
    const answered = dave.request('INVITE', `sip:${CAROL.username}@${DOMAIN}`, {
      fromTag: 'dave1',
      body: audioSdp(40_000),
    });
    const invite = await carol.next((m) => m.method === 'INVITE', 10_000, from);
    expect(invite.startLine).toContain(`${carol.host};transport=ws`);
    // RFC 7118 §5.2: the node's Via says which transport reached the client.
    expect(header(invite, 'Via')).toMatch(/^SIP\/2\.0\/WS /);
    carol.respond(invite, 180, 'Ringing', { toTag: 'carol1' });
    carol.respond(invite, 200, 'OK', { toTag: 'carol1', body: audioSdp(40_002) });
    const ok = await answered;
    expect(ok.status, ok.raw).toBe(200);

    // RFC 3261 §12.2.1.1: the ACK follows the recorded route back through the node to carol's socket.
    const routes = ok.headers
      .filter((h) => /^record-route:/i.test(h))
      .flatMap((h) => h.slice(h.indexOf(':') + 1).split(','))
      .map((r) => r.trim())
      .reverse();
    const remote = /<([^>]+)>/.exec(header(ok, 'Contact') ?? '')![1]!;
    dave.send(
      [
        `ACK ${remote} SIP/2.0`,
        `Via: SIP/2.0/WS ${dave.host};branch=z9hG4bKack${Date.now()}`,
        'Max-Forwards: 70',
        ...routes.map((r) => `Route: ${r}`),
        `From: <${dave.aor}>;tag=dave1`,
        `To: ${header(ok, 'To')}`,
        `Call-ID: ${header(ok, 'Call-ID')}`,
        `CSeq: ${Number.parseInt(header(ok, 'CSeq')!, 10)} ACK`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    const ack = await carol.next((m) => m.method === 'ACK', 10_000, from);
    expect(header(ack, 'Call-ID')).toBe(header(invite, 'Call-ID'));
  });

  it('still answers REST on the same port, with API keys where the API asks for them', async () => {
    const health = await fetch(`http://127.0.0.1:${apiPort}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    expect((await fetch(`http://127.0.0.1:${apiPort}/v1/calls`)).status).toBe(401);
    const metrics = await (await fetch(`http://127.0.0.1:${apiPort}/metrics`)).text();
    expect(metrics).toMatch(/sip_transport_connections\{transport="ws"\} 2\b/);
  });

  it('refuses an upgrade that does not offer the sip subprotocol (the handshake fails with 400)', async () => {
    const refused = await new Promise<string>((resolve) => {
      const socket = new WebSocket(`ws://127.0.0.1:${apiPort}/v1/calls`, ['chat']);
      socket.once('open', () => resolve('opened'));
      socket.once('error', (e) => resolve(e.message));
    });
    expect(refused).toBe('Unexpected server response: 400');
    const metrics = await (await fetch(`http://127.0.0.1:${apiPort}/metrics`)).text();
    expect(metrics).toMatch(/sip_transport_refused_total\{transport="ws",reason="refused"\} 1\b/);
  });
});
