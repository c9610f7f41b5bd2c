import { describe, expect, it } from 'vitest';
import type { Uri } from '../../../src/sip/message/index.js';
import { prepareCopy, preprocessRoute } from '../../../src/sip/proxy/index.js';
import type { Target } from '../../../src/sip/transport/index.js';
import { FakeStack, invite, request } from './fakes.js';

const stack = new FakeStack();
const callee: Target = { protocol: 'udp', address: '192.0.2.30', port: 5060 };
const isLocal = (uri: Uri) => stack.isLocalUri(uri);

describe('flow tokens in our Record-Route (RFC 5626 §5.2)', () => {
  it('go into the Record-Route facing the client, as its user part with ;ob', () => {
    const ws: Target = { protocol: 'ws', address: '203.0.113.7', port: 50123, connectionId: 'ws-1' };
    const copy = prepareCopy(invite(), invite().uri, stack, callee, {
      recordRoute: true,
      inbound: ws,
      flowToken: (_request, inbound) => (inbound.connectionId === 'ws-1' ? 'TOKEN1' : undefined),
    });
    // RFC 5658: the transport changes, two values; only the one facing the client has the token.
    expect(copy.getAll('record-route')).toEqual([
      '<sip:192.0.2.10:5060;lr>',
      '<sip:TOKEN1@192.0.2.10:5060;transport=ws;lr;ob>',
    ]);
    const same = prepareCopy(invite(), invite().uri, stack, callee, {
      recordRoute: true,
      inbound: { protocol: 'udp', address: '203.0.113.7', port: 40000 },
      flowToken: () => 'TOKEN2',
    });
    expect(same.getAll('record-route')).toEqual(['<sip:TOKEN2@192.0.2.10:5060;lr;ob>']);
    const none = prepareCopy(invite(), invite().uri, stack, callee, {
      recordRoute: true,
      inbound: callee,
      flowToken: () => undefined,
    });
    expect(none.getAll('record-route')).toEqual(['<sip:192.0.2.10:5060;lr>']);
  });

  it('are seen when route pre-processing removes our values, strict routing included (§16.4)', () => {
    const seen: string[] = [];
    const bye = request(`BYE sip:alice@df7.invalid;transport=ws SIP/2.0
Via: SIP/2.0/UDP 192.0.2.30;branch=z9hG4bKb1
Max-Forwards: 70
Route: <sip:192.0.2.10:5060;lr>, <sip:TOKEN1@192.0.2.10:5060;transport=ws;lr;ob>
From: <sip:bob@example.com>;tag=b
To: <sip:alice@example.com>;tag=a
Call-ID: c
CSeq: 2 BYE
Content-Length: 0

`);
    expect(preprocessRoute(bye, isLocal, (uri) => seen.push(uri.toString()))).toBe(true);
    expect(bye.has('route')).toBe(false);
    expect(seen).toEqual(['sip:192.0.2.10:5060;lr', 'sip:TOKEN1@192.0.2.10:5060;transport=ws;lr;ob']);
    // A strict router put our URI, token and all, in the Request-URI: undone, and seen.
    const strict = request(`BYE sip:TOKEN1@192.0.2.10:5060;transport=ws;lr;ob SIP/2.0
Via: SIP/2.0/UDP 192.0.2.30;branch=z9hG4bKb2
Max-Forwards: 70
Route: <sip:alice@df7.invalid;transport=ws>
From: <sip:bob@example.com>;tag=b
To: <sip:alice@example.com>;tag=a
Call-ID: c
CSeq: 3 BYE
Content-Length: 0

`);
    seen.length = 0;
    expect(preprocessRoute(strict, isLocal, (uri) => seen.push(uri.toString()))).toBe(true);
    expect(strict.uri.toString()).toBe('sip:alice@df7.invalid;transport=ws');
    expect(seen).toEqual(['sip:TOKEN1@192.0.2.10:5060;transport=ws;lr;ob']);
  });
});

describe('our Via and Record-Route from a stack that hands out the same sent-by', () => {
  it('are written for the protocol of each copy, flow tokens only where given', () => {
    const sentBy = { transport: 'UDP', host: '192.0.2.10', port: 5060 };
    // SipStack answers with one object while its transports stay: values kept per object stay right per protocol.
    const same = Object.assign(new FakeStack(), { sentBy: () => sentBy });
    const tcp: Target = { protocol: 'tcp', address: '192.0.2.30', port: 5060 };
    const inbound: Target = { protocol: 'udp', address: '203.0.113.7', port: 40000 };
    for (let i = 0; i < 2; i++) {
      const overUdp = prepareCopy(invite(), invite().uri, same, callee, { recordRoute: true, inbound });
      expect(overUdp.getAll('record-route')).toEqual(['<sip:192.0.2.10:5060;lr>']);
      expect(overUdp.get('via')).toMatch(/^SIP\/2\.0\/UDP 192\.0\.2\.10:5060;branch=z9hG4bK\S+;rport$/);
      const overTcp = prepareCopy(invite(), invite().uri, same, tcp, {
        recordRoute: true,
        inbound,
        flowToken: () => `T${i}`,
      });
      expect(overTcp.getAll('record-route')).toEqual([
        '<sip:192.0.2.10:5060;transport=tcp;lr>',
        `<sip:T${i}@192.0.2.10:5060;lr;ob>`,
      ]);
    }
  });
});
