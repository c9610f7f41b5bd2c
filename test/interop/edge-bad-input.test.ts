import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { until } from '../support/until.js';
import type { Child } from './child.js';
import { peersRequired, suiteTitle } from './peers.js';
import { allocatePorts } from './ports.js';
import { DOMAIN, provisionSwitchboard } from './registrar-process.js';
import { switchboardBuilt, switchboardEntry } from './repo.js';
import { awaitNodeStarted, nodeEnv, spawnDataDirNode } from './switchboard-node.js';
import { connectTlsCaller } from './tls-sip-peer.js';

// Bad input at a running node's stream listeners (issue 11): from 127.0.0.1, TLS handshakes that
// stall and TLS garbage, a thousand TCP connections left half-way through a message, WebSocket
// text that is not SIP, an oversize WebSocket message and one fragmented forever. Throughout, a
// good client on 127.0.0.2 gets its OPTIONS answered over UDP and over TLS; afterwards /metrics
// shows what was refused, and the stalled handshakes are gone after the handshake timeout.
const built = switchboardBuilt();
if (!built && peersRequired()) throw new Error(`${switchboardEntry} missing: run npm run build`);
const unavailable = built ? undefined : `${switchboardEntry} missing: run npm run build`;

/** `n` raw TCP sockets from 127.0.0.1 writing `first` once connected (100 at a time). */
async function rawSockets(port: number, n: number, first: string | Buffer): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.all(
      Array.from(
        { length: Math.min(100, n - i) },
        () =>
          new Promise<net.Socket>((resolve) => {
            const s = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1' }, () => {
              if (first.length > 0) s.write(first);
              resolve(s);
            });
            s.on('error', () => resolve(s));
          }),
      ),
    );
    sockets.push(...batch);
  }
  return sockets;
}

const closed = (sockets: net.Socket[]) => sockets.filter((s) => s.destroyed || s.closed).length;

/** OPTIONS to the node over UDP from 127.0.0.2; resolves with the status line. */
function udpOptions(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('no answer to OPTIONS over UDP'));
    }, 5000);
    socket.on('message', (m) => {
      clearTimeout(timer);
      socket.close();
      resolve(m.toString('latin1').split('\r\n')[0]!);
    });
    socket.bind(0, '127.0.0.2', () => {
      const id = randomBytes(6).toString('hex');
      const local = socket.address().port;
      socket.send(
        [
          `OPTIONS sip:127.0.0.1:${port} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.2:${local};branch=z9hG4bK${id};rport`,
          'Max-Forwards: 70',
          `From: <sip:good@127.0.0.2>;tag=${id}`,
          `To: <sip:127.0.0.1:${port}>`,
          `Call-ID: ${id}@127.0.0.2`,
          'CSeq: 1 OPTIONS',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
        port,
        '127.0.0.1',
      );
    });
  });
}

function openWs(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, ['sip'], { localAddress: '127.0.0.1' });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

describe.skipIf(unavailable !== undefined)(
  suiteTitle('bad input at the stream listeners', [unavailable]),
  () => {
    let dataDir: string;
    let node: Child;
    let ports: { sip: number; tls: number; ws: number };
    let api: string;
    const held: net.Socket[] = [];

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'sb-bad-input-'));
      await provisionSwitchboard(dataDir, { subscribers: [] });
      const first = await allocatePorts(3);
      ports = { sip: first, tls: first + 1, ws: first + 2 };
      node = spawnDataDirNode({
        port: ports.sip,
        dataDir,
        domain: DOMAIN,
        apiPort: 0,
        logLevel: 'info',
        env: nodeEnv({
          SWITCHBOARD_SIP_TRANSPORTS: 'udp,tcp,tls,ws',
          SWITCHBOARD_TLS_PORT: String(ports.tls),
          SWITCHBOARD_WS_PORT: String(ports.ws),
          SWITCHBOARD_SIP_MAX_CONNECTIONS_PER_SOURCE: '500',
        }),
      });
      await awaitNodeStarted(node, 'API listening', () => node.stop());
      api = (await node.waitForLine((l) => l.startsWith('API on '), 1_000)).slice('API on '.length);
    }, 60_000);

    afterAll(async () => {
      for (const s of held) s.destroy();
      if (node) {
        const exit = await node.stop();
        expect(exit.killed, `switchboard ignored SIGTERM\n${node.report()}`).toBe(false);
      }
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('keeps answering a good client while one address abuses every stream listener', async () => {
      // TLS: 300 handshakes that stall after two bytes, 200 that send garbage.
      const stalled = await rawSockets(ports.tls, 300, Buffer.from([0x16, 0x03]));
      const garbage = await rawSockets(
        ports.tls,
        200,
        `INVITE sip:x SIP/2.0\r\n${'\u0000\u00ff'.repeat(300)}`,
      );
      // TCP: a thousand connections left half-way through a request; the source's share is 500.
      const halfOpen = await rawSockets(
        ports.sip,
        1000,
        'REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKhalf\r\nContent-Length: 10\r\n',
      );
      held.push(...stalled, ...garbage, ...halfOpen);
      // WebSocket: text that is no SIP, an oversize message, a message fragmented forever.
      const chatter = await openWs(ports.ws);
      for (let i = 0; i < 50; i++) chatter.send(`hello ${i}, this is not SIP`);
      const oversize = await openWs(ports.ws);
      const oversizeClosed = new Promise<number>((resolve) => oversize.once('close', resolve));
      oversize.send('x'.repeat(100_000));
      const fragments = await openWs(ports.ws);
      const fragmentsClosed = new Promise<number>((resolve) => fragments.once('close', resolve));
      for (let i = 0; i < 200 && fragments.readyState === WebSocket.OPEN; i++) {
        fragments.send('y'.repeat(1024), { fin: false });
        await new Promise((r) => setTimeout(r, 1));
      }

      // Meanwhile a good client on another address is answered, over UDP and over TLS.
      expect(await udpOptions(ports.sip)).toMatch(/^SIP\/2\.0 200 /);
      const good = await connectTlsCaller(ports.tls, undefined, '127.0.0.2');
      try {
        const answer = await good.options(`sip:127.0.0.1:${ports.tls};transport=tls`);
        expect(answer.status).toBe(200);
      } finally {
        good.close();
      }

      // Each abuse was bounded: size limits cut the WebSocket messages (1009), garbage went at once,
      // half the half-open connections were never taken.
      expect(await oversizeClosed).toBe(1009);
      expect(await fragmentsClosed).toBe(1009);
      await until(() => closed(garbage) === garbage.length, 5_000, 'garbage TLS connections closed', 20);
      await until(() => closed(halfOpen) >= 500, 5_000, 'the sockets over the source share closed', 20);
      const text = await (await fetch(`${api}/metrics`)).text();
      const counter = (transport: string, reason: string) =>
        Number(
          new RegExp(
            `sip_transport_refused_total\\{transport="${transport}",reason="${reason}"\\} (\\d+)`,
          ).exec(text)?.[1] ?? -1,
        );
      expect(counter('tcp', 'source_limit'), text).toBeGreaterThanOrEqual(500);
      expect(counter('tls', 'handshake'), text).toBeGreaterThanOrEqual(200);
      // The stalled handshakes are dropped after the handshake timeout (10 s).
      await until(() => closed(stalled) === stalled.length, 20_000, 'stalled TLS handshakes closed', 20);
      expect(await udpOptions(ports.sip)).toMatch(/^SIP\/2\.0 200 /);
      chatter.terminate();
    }, 60_000);
  },
);
