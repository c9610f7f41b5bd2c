import { rmSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { defaultConfig } from '../../src/config/index.js';
import { type RunningNode, startNode } from '../../src/node.js';
import { CAROL, carolAndDaveDataDir, DAVE, sendAck, WsClients } from '../interop/ws-clients.js';
import { audioSdp, header } from '../interop/ws-sip-client.js';

// sip.websocketOnApiPort: browsers' SIP over WebSocket on the API's port (RFC 7118 §4) beside its
// REST routes. Two WebSocket clients speaking as JsSIP does register there; one calls the other,
// and the INVITE and the ACK reach the callee over its own socket.
const DOMAIN = 'example.com';

describe('SIP over WebSocket on the API port (sip.websocketOnApiPort)', () => {
  let dataDir: string;
  let node: RunningNode;
  let apiPort: number;
  const clients = new WsClients(() => `ws://127.0.0.1:${apiPort}`, DOMAIN);

  beforeAll(async () => {
    dataDir = await carolAndDaveDataDir(DOMAIN, 'sb-ws-api-');
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
    clients.closeAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('listens for SIP over WS on the API port', () => {
    expect(node.listening).toContainEqual({ protocol: 'ws', address: '127.0.0.1', port: apiPort });
  });

  it('registers a WebSocket client through the digest challenge, no API key asked', async () => {
    const { ua: carol, answer: registered } = await clients.registered(CAROL);
    expect(header(registered, 'Contact') ?? '').toContain(`${carol.host};transport=ws`);
    // RFC 5626 §5.2: the registrar kept the flow the REGISTER came on.
    expect(header(registered, 'Require')).toBe('outbound');
    const [binding] = await node.services!.location.lookup(`sip:carol@${DOMAIN}`);
    expect(binding?.source?.protocol).toBe('ws');
    expect(binding?.source?.connectionId).toMatch(/^ws-/);
  });

  it("a call reaches the registered client over its own socket, and so does the caller's ACK", async () => {
    const carol = clients.open.find((c) => c.options.user === CAROL.username)!;
    const dave = await clients.connect(DAVE);
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
    sendAck(dave, ok);
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
