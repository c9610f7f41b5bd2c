import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { makeSelfSigned } from '../../../src/node-tls.js';
import { type TlsCredentials, WsTransport } from '../../../src/sip/transport/index.js';
import { Recorder } from './helpers.js';

// SIP over WebSocket on another owner's HTTP(S) server (the API's port, RFC 7118 §4): the owner's
// requests keep their answers, upgrades offering `sip` become SIP connections.

let credentials: TlsCredentials;
beforeAll(async () => {
  const made = await makeSelfSigned({ dns: ['localhost'], ips: ['127.0.0.1'] });
  credentials = { cert: made.cert, key: made.key };
});

/** A server standing in for the API: every request is answered 200 with `rest`. */
function restServer(secure: boolean): http.Server | https.Server {
  const answer = (_q: http.IncomingMessage, r: http.ServerResponse) => r.end('rest');
  return secure
    ? https.createServer({ cert: credentials.cert, key: credentials.key }, answer)
    : http.createServer(answer);
}

function connect(url: string, protocols: string[], ca?: string | Buffer): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, ca ? { ca } : {});
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

describe('WsTransport on a shared HTTP(S) server', () => {
  const servers: Array<http.Server | https.Server> = [];
  const transports: WsTransport[] = [];
  const clients: WebSocket[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.terminate();
    await Promise.all(transports.splice(0).map((t) => t.close()));
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
  });

  async function share(
    secure: boolean,
    limits: { maxConnectionsPerSource?: number } = {},
  ): Promise<{ transport: WsTransport; recorder: Recorder; port: number }> {
    const server = restServer(secure);
    servers.push(server);
    const recorder = new Recorder();
    const transport = new WsTransport({ host: '127.0.0.1', port: 0, server, handlers: recorder, ...limits });
    transports.push(transport);
    await transport.listen();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { transport, recorder, port: (server.address() as AddressInfo).port };
  }

  for (const secure of [false, true]) {
    const scheme = secure ? 'wss' : 'ws';

    it(`takes sip upgrades as ${scheme.toUpperCase()} connections while the server's requests keep their answers`, async () => {
      const { transport, recorder, port } = await share(secure);
      expect(transport.protocol).toBe(scheme);
      // Its endpoint is the shared server's, bound after the transport started.
      expect(transport.local).toEqual({ protocol: scheme, address: '127.0.0.1', port });
      const ws = await connect(
        `${scheme}://localhost:${port}/`,
        ['sip'],
        secure ? credentials.cert : undefined,
      );
      clients.push(ws);
      expect(ws.protocol).toBe('sip');
      ws.send('OPTIONS sip:b@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS x.invalid;branch=z9hG4bK1\r\n\r\n');
      await recorder.until(() => recorder.packets.length === 1);
      const packet = recorder.packets[0]!;
      expect(packet.source.protocol).toBe(scheme);
      expect(packet.local).toEqual(transport.local);
      expect(packet.connectionId).toMatch(new RegExp(`^${scheme}-`));
      const got = new Promise<string>((resolve) => ws.once('message', (data) => resolve(data.toString())));
      await transport.send(Buffer.from('SIP/2.0 200 OK\r\n\r\n'), packet.source, packet.connectionId);
      expect(await got).toBe('SIP/2.0 200 OK\r\n\r\n');

      const rest = await fetchText(secure, port);
      expect(rest).toBe('rest');
    });
  }

  it('refuses an upgrade without the sip subprotocol with 400 and counts it', async () => {
    const { transport, port } = await share(false);
    await expect(connect(`ws://127.0.0.1:${port}/`, ['chat'])).rejects.toThrow(
      /Unexpected server response: 400/,
    );
    await expect(connect(`ws://127.0.0.1:${port}/`, [])).rejects.toThrow(/400/);
    expect(transport.refused).toBe(2);
    expect(transport.connectionCount).toBe(0);
    expect(await fetchText(false, port)).toBe('rest');
  });

  it("counts a source's sockets from the upgrade: the server's own requests take none of its share", async () => {
    const { transport, port } = await share(false, { maxConnectionsPerSource: 1 });
    const agent = new http.Agent({ keepAlive: true });
    // Two sockets held open by plain requests: not SIP's to count.
    await Promise.all([fetchText(false, port, agent), fetchText(false, port, agent)]);
    const first = await connect(`ws://127.0.0.1:${port}/`, ['sip']);
    clients.push(first);
    expect(transport.sourceLimit.heldBy('127.0.0.1')).toBe(1);
    await expect(connect(`ws://127.0.0.1:${port}/`, ['sip'])).rejects.toThrow();
    expect(transport.sourceLimit.refused).toBe(1);
    expect(transport.connectionCount).toBe(1);
    agent.destroy();
  });

  it('on close ends its connections and lets go of the server, which keeps serving and can close', async () => {
    const { transport, port } = await share(false);
    const ws = await connect(`ws://127.0.0.1:${port}/`, ['sip']);
    clients.push(ws);
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    await transport.close();
    expect(await closed).toBe(1006);
    expect(transport.connectionCount).toBe(0);
    expect(servers[0]!.listenerCount('upgrade')).toBe(0);
    expect(await fetchText(false, port)).toBe('rest');
    // Nothing upgraded is left to hold the owner's close.
    const server = servers.pop()!;
    server.closeIdleConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses to start twice', async () => {
    const { transport } = await share(false);
    await expect(transport.listen()).rejects.toThrow(/already listening/);
  });
});

function fetchText(secure: boolean, port: number, agent?: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const get = secure ? https.get : http.get;
    const options = secure ? { ca: credentials.cert, servername: 'localhost' } : agent ? { agent } : {};
    get(`${secure ? 'https' : 'http'}://127.0.0.1:${port}/health`, options, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on('end', () => resolve(body));
    }).on('error', reject);
  });
}
