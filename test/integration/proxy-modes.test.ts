import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/index.js';
import { type RunningNode, startNode } from '../../src/node.js';
import type { SipResponse } from '../../src/sip/message/index.js';
import { answer, SipSocket } from './sip-socket.js';

async function node(configure: (c: ReturnType<typeof defaultConfig>) => void): Promise<RunningNode> {
  const config = defaultConfig();
  config.api.port = 0;
  config.sip.port = 0;
  config.sip.listen = ['127.0.0.1'];
  config.sip.transports = ['udp'];
  config.sip.timers = { t1: 100, t2: 400, t4: 500 };
  configure(config);
  return startNode(config, pino({ level: 'silent' }));
}

const request = (method: string, uri: string, uacPort: number, callId: string, extra = '') =>
  `${method} ${uri} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${uacPort};branch=z9hG4bK${callId};rport
Max-Forwards: 70
From: <sip:alice@example.com>;tag=a-${callId}
To: <${uri}>
Call-ID: ${callId}
CSeq: 1 ${method}
Contact: <sip:alice@127.0.0.1:${uacPort}>
${extra}Content-Length: 0

`;

describe('stateless proxy mode (RFC 3261 §16.11)', () => {
  let running: RunningNode | undefined;
  const sockets: SipSocket[] = [];
  afterEach(async () => {
    await running?.stop();
    for (const s of sockets.splice(0)) s.close();
  });

  it('forwards requests and responses without transactions: no 100 Trying, same branch on retransmission', async () => {
    const uac = await SipSocket.open();
    const uas = await SipSocket.open();
    sockets.push(uac, uas);
    running = await node((c) => {
      c.proxy.mode = 'stateless';
      c.proxy.defaultRoute = `sip:127.0.0.1:${uas.port}`;
    });
    const port = running.listening[0]!.port;
    const invite = request('INVITE', `sip:bob@127.0.0.1:${port}`, uac.port, 'sl-1');
    uac.send(invite, port);
    const first = await uas.request('INVITE');
    uac.send(invite, port);
    const second = await uas.request('INVITE');
    // RFC 3261 §16.11: the branch is a function of the request, so retransmissions keep it.
    expect(second.topVia!.branch).toBe(first.topVia!.branch);
    expect(first.maxForwards).toBe(69);
    uas.send(answer(first, 180, 'Ringing', [], 'b1'), port);
    uas.send(answer(first, 200, 'OK', [`Contact: <sip:bob@127.0.0.1:${uas.port}>`], 'b1'), port);
    await uac.response(180);
    const ok: SipResponse = await uac.response(200);
    expect(ok.via).toHaveLength(1);
    // A stateless proxy sends no 100 Trying of its own.
    expect(uac.received.some((m) => !m.isRequest && (m as SipResponse).status === 100)).toBe(false);
  });
});

describe('bad input at a running node', () => {
  let running: RunningNode | undefined;
  const sockets: SipSocket[] = [];
  afterEach(async () => {
    await running?.stop();
    for (const s of sockets.splice(0)) s.close();
  });

  it('answers an oversize request with 513 and keeps serving', async () => {
    const uac = await SipSocket.open();
    const uas = await SipSocket.open();
    sockets.push(uac, uas);
    running = await node((c) => {
      c.sip.maxMessageSize = 2000;
      c.proxy.defaultRoute = `sip:127.0.0.1:${uas.port}`;
    });
    const port = running.listening[0]!.port;
    const big = request(
      'MESSAGE',
      `sip:bob@127.0.0.1:${port}`,
      uac.port,
      'big-1',
      `X-Padding: ${'x'.repeat(3000)}\n`,
    );
    uac.send(big, port);
    await uac.response(513);
    expect(running.stack.counters.messagesDropped).toBeGreaterThan(0);
    uac.send(request('OPTIONS', `sip:bob@127.0.0.1:${port}`, uac.port, 'after-1'), port);
    await uas.request('OPTIONS');
  });

  it('drops malformed responses and counts them', async () => {
    const uac = await SipSocket.open();
    sockets.push(uac);
    running = await node(() => {});
    const port = running.listening[0]!.port;
    uac.send(
      'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKx\r\nCSeq: 99999999999 INVITE\r\n\r\n',
      port,
    );
    uac.send('SIP/2.0 999999 Nope\r\n\r\n', port);
    uac.send(Buffer.alloc(1000, 0xff).toString('latin1'), port);
    await new Promise((r) => setTimeout(r, 200));
    const c = running.stack.counters;
    expect(c.responsesDropped + c.messagesDropped).toBeGreaterThanOrEqual(3);
    expect(uac.received).toHaveLength(0);
  });
});
