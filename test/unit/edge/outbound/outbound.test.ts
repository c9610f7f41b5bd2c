import { describe, expect, it } from 'vitest';
import { FlowTokens, Outbound } from '../../../../src/edge/outbound/index.js';
import { parseUri } from '../../../../src/sip/message/index.js';
import type { Target } from '../../../../src/sip/transport/index.js';
import { request } from '../../proxy/fakes.js';

const client: Target = { protocol: 'ws', address: '203.0.113.7', port: 50123, connectionId: 'ws-3' };

const invite = (via: string, contact: string) =>
  request(`INVITE sip:bob@example.com SIP/2.0
${via}Max-Forwards: 70
From: <sip:alice@example.com>;tag=a1
To: <sip:bob@example.com>
Call-ID: c1
CSeq: 1 INVITE
Contact: <${contact}>
Content-Length: 0

`);

const oneVia = 'Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKa\n';

describe('RFC 5626 outbound at the edge', () => {
  const tokens = new FlowTokens();
  const open = new Set(['ws-3']);
  const outbound = new Outbound(
    tokens,
    (flow) => flow.connectionId === undefined || open.has(flow.connectionId),
  );

  it('tokens the Record-Route of a client directly behind the node over a connection', () => {
    const token = outbound.recordRouteToken(
      invite(oneVia, 'sip:alice@df7jal23ls0d.invalid;transport=ws'),
      client,
    );
    expect(tokens.decode(token!)).toEqual(client);
  });

  it('not when the request came through another proxy (more than one Via)', () => {
    const twoVias = `${oneVia}Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKb\n`;
    expect(outbound.recordRouteToken(invite(twoVias, 'sip:alice@192.0.2.1'), client)).toBeUndefined();
  });

  it('over UDP only for a client behind NAT or one that asks with ;ob', () => {
    const udp: Target = { protocol: 'udp', address: '203.0.113.7', port: 40000 };
    const via = 'Via: SIP/2.0/UDP 203.0.113.7:40000;branch=z9hG4bKc\n';
    expect(outbound.recordRouteToken(invite(via, 'sip:alice@203.0.113.7:40000'), udp)).toBeUndefined();
    expect(outbound.recordRouteToken(invite(via, 'sip:alice@203.0.113.7:40000;ob'), udp)).toBeDefined();
    expect(outbound.recordRouteToken(invite(via, 'sip:alice@10.0.0.5:5060'), udp)).toBeDefined();
  });

  it('reads a Route of ours: to the flow, from the flow, or tampered (RFC 5626 §5.3)', () => {
    const token = tokens.encode(client);
    const route = parseUri(`sip:${token}@192.0.2.10:8080;transport=ws;lr;ob`);
    const callee: Target = { protocol: 'udp', address: '192.0.2.20', port: 5060 };
    expect(outbound.routeFlow(route, callee)).toEqual({ kind: 'to-flow', flow: client });
    expect(outbound.routeFlow(route, client)).toEqual({ kind: 'from-flow' });
    const forged = parseUri(`sip:${token.slice(0, -2)}AA@192.0.2.10:8080;transport=ws;lr;ob`);
    expect(outbound.routeFlow(forged, callee)).toEqual({ kind: 'tampered' });
    // Without ;ob a user part is not a flow token.
    expect(outbound.routeFlow(parseUri(`sip:${token}@192.0.2.10;lr`), callee)).toBeUndefined();
    expect(outbound.isAlive(client)).toBe(true);
    open.delete('ws-3');
    expect(outbound.isAlive(client)).toBe(false);
  });
});
