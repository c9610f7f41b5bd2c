import { describe, expect, it } from 'vitest';
import { createResponse, type SipMessage, SipResponse } from '../../../src/sip/message/index.js';
import { parseMessage } from '../../../src/sip/parser/index.js';
import { type OverloadControl, SipStack, type StackHandlers } from '../../../src/sip/stack/index.js';
import type { InboundPacket, TransportLayer } from '../../../src/sip/transport/index.js';

const LOCAL = { protocol: 'udp' as const, address: '127.0.0.1', port: 5060 };

function setup(options: { filter?: (p: InboundPacket) => boolean; overloaded?: () => boolean }) {
  const sent: SipMessage[] = [];
  const transports = {
    transports: [{ local: LOCAL }],
    send: async (data: Buffer) => {
      sent.push(parseMessage(data));
    },
  } as unknown as TransportLayer;
  const overload: OverloadControl = { retryAfter: () => (options.overloaded?.() ? 7 : undefined) };
  const stack = new SipStack({
    transports,
    ...(options.filter ? { packetFilter: { admit: options.filter } } : {}),
    ...(options.overloaded ? { overload } : {}),
  });
  const requests: string[] = [];
  const handlers: StackHandlers = {
    onRequest: (request, tx) => {
      requests.push(request.method);
      tx.respond(createResponse(request, 200));
    },
    onAck: () => {},
    onCancel: () => {},
    onStrayResponse: () => {},
  };
  stack.attach(handlers);
  return { stack, sent, requests };
}

let n = 0;
function packet(method: string, toTag = ''): InboundPacket {
  n++;
  const text = [
    `${method} sip:bob@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.9:5070;branch=z9hG4bK-adm-${n}`,
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=a',
    `To: <sip:bob@example.com>${toTag}`,
    `Call-ID: adm-${n}`,
    `CSeq: 1 ${method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return {
    data: Buffer.from(text),
    source: { protocol: 'udp', address: '127.0.0.9', port: 5070 },
    local: LOCAL,
  };
}

describe('SipStack packet filter', () => {
  it('drops refused packets before parsing, unanswered and counted', () => {
    const { stack, sent, requests } = setup({ filter: (p) => p.source.address !== '127.0.0.9' });
    stack.receivePacket(packet('OPTIONS'));
    expect(requests).toEqual([]);
    expect(sent).toEqual([]);
    expect(stack.counters.packetsFiltered).toBe(1);
    expect(stack.counters.requestsReceived).toBe(0);
  });
});

describe('SipStack overload control (RFC 3261 §21.5.4)', () => {
  it('answers new requests 503 with Retry-After while saturated, then serves again', () => {
    let saturated = true;
    const { stack, sent, requests } = setup({ overloaded: () => saturated });
    stack.receivePacket(packet('INVITE'));
    stack.receivePacket(packet('OPTIONS'));
    expect(requests).toEqual([]);
    const refused = sent.filter((m): m is SipResponse => m instanceof SipResponse);
    expect(refused.map((r) => r.status)).toEqual([503, 503]);
    expect(refused[0]?.get('retry-after')).toBe('7');
    expect(stack.counters.requestsOverloaded).toBe(2);
    expect(stack.transactions.stats().server).toEqual({ invite: 0, nonInvite: 0 });
    saturated = false;
    stack.receivePacket(packet('OPTIONS'));
    expect(requests).toEqual(['OPTIONS']);
    stack.close();
  });

  it('lets in-dialog requests (BYE) through while saturated', async () => {
    const { stack, requests, sent } = setup({ overloaded: () => true });
    stack.receivePacket(packet('BYE', ';tag=b'));
    expect(requests).toEqual(['BYE']);
    await new Promise((resolve) => setImmediate(resolve));
    expect((sent[0] as SipResponse).status).toBe(200);
    stack.close();
  });
});
