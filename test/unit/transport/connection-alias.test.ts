import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMessage } from '../../../src/sip/parser/index.js';
import { SipStack } from '../../../src/sip/stack/index.js';
import { TcpTransport, TransportLayer } from '../../../src/sip/transport/index.js';
import { until } from '../../support/until.js';

/** A port nobody listens on (just freed), for the phone's claimed listening port. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A phone that opened a connection to the node and listens (it says) on another port. */
async function phone(port: number): Promise<{ socket: net.Socket; received: () => string }> {
  let text = '';
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
  socket.on('data', (d) => (text += d.toString('latin1')));
  return { socket, received: () => text };
}

function options(alias: boolean, sentBy: number): string {
  return [
    'OPTIONS sip:node@127.0.0.1 SIP/2.0',
    `Via: SIP/2.0/TCP 127.0.0.1:${sentBy};branch=z9hG4bK-alias-${alias}${alias ? ';alias' : ''}`,
    'Max-Forwards: 70',
    'From: <sip:phone@127.0.0.1>;tag=1',
    'To: <sip:node@127.0.0.1>',
    `Call-ID: alias-${alias}`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

describe('RFC 5923 connection reuse through the stack', () => {
  let layer: TransportLayer | undefined;
  const sockets: net.Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await layer?.close();
  });

  async function start(): Promise<{ stack: SipStack; tcp: TcpTransport }> {
    let stack: SipStack | undefined;
    layer = new TransportLayer({ onPacket: (p) => stack?.receivePacket(p) });
    const tcp = new TcpTransport({ host: '127.0.0.1', port: 0 });
    layer.add(tcp);
    stack = new SipStack({ transports: layer });
    stack.attach({
      onRequest() {},
      onAck() {},
      onCancel() {},
      onStrayResponse() {},
    });
    await layer.listen();
    return { stack, tcp };
  }

  it('sends requests for a Via sent-by with ;alias over the connection the peer opened', async () => {
    const { stack, tcp } = await start();
    const p = await phone(tcp.local.port);
    sockets.push(p.socket);
    const listening = await closedPort();
    p.socket.write(options(true, listening));
    await until(() => stack.counters.requestsReceived === 1, 2000, 'the OPTIONS from the phone');
    const uri = `sip:phone@127.0.0.1:${listening}`;
    const request = parseMessage(Buffer.from(options(false, listening).replace('sip:node@127.0.0.1', uri)));
    await stack.sendStateless(request, { protocol: 'tcp', address: '127.0.0.1', port: listening });
    await until(
      () => p.received().includes(`OPTIONS ${uri}`),
      2000,
      "the OPTIONS sent back over the phone's connection",
    );
    expect(tcp.connectionCount).toBe(1);
  });

  it('opens a new connection without ;alias (and fails here: nobody listens there)', async () => {
    const { stack, tcp } = await start();
    const p = await phone(tcp.local.port);
    sockets.push(p.socket);
    const listening = await closedPort();
    p.socket.write(options(false, listening));
    await until(() => stack.counters.requestsReceived === 1, 2000, 'the OPTIONS from the phone');
    const request = parseMessage(Buffer.from(options(false, listening)));
    await expect(
      stack.sendStateless(request, { protocol: 'tcp', address: '127.0.0.1', port: listening }),
    ).rejects.toThrow();
  });
});
