import { describe, expect, it } from 'vitest';
import type { SipResponse } from '../../../src/sip/message/index.js';
import type { Target } from '../../../src/sip/transport/types.js';
import {
  InviteClientSession,
  type InviteServerSession,
  type SessionEndCause,
  type SessionHost,
  UserAgentCore,
} from '../../../src/sip/ua/index.js';
import { answer, FakeClock, FakeServerTransaction, FakeTransport, flush, request } from './fakes.js';

// RFC 5626 §5.3 and RFC 7118 §5: a dialog set up over a connection straight from its peer keeps
// that connection, and its requests (BYE, re-INVITE, the 2xx ACK) go over it, never to a Contact
// that cannot be connected to; once the connection is gone they fail with 430.
const sdp =
  'v=0\r\no=- 2 2 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n';
const browserFlow: Target = { protocol: 'ws', address: '192.0.2.10', port: 51_000, connectionId: 'ws-7' };
const tcpFlow: Target = { protocol: 'tcp', address: '198.51.100.4', port: 40_312, connectionId: 'tcp-3' };

/** A browser's INVITE as JsSIP sends it: one Via, a `.invalid` Contact (RFC 7118 §5). */
function browserInvite(vias = ['SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKw1']): string {
  return `
INVITE sip:bob@203.0.113.1 SIP/2.0
${vias.map((v) => `Via: ${v}`).join('\n')}
Max-Forwards: 70
To: <sip:bob@example.com>
From: <sip:alice@example.com>;tag=a1
Call-ID: flow-call
CSeq: 10 INVITE
Contact: <sip:alice@df7jal23ls0d.invalid;transport=ws;ob>
Content-Type: application/sdp
Content-Length: ${sdp.length}

${sdp}`;
}

/** A TCP phone behind NAT whose Contact is its public address and listening port. */
const tcpInvite = browserInvite(['SIP/2.0/TCP 198.51.100.4:5060;branch=z9hG4bKt1'])
  .replace('df7jal23ls0d.invalid;transport=ws;ob', '198.51.100.4:5060;transport=tcp')
  .replace('z9hG4bKw1', 'z9hG4bKt1');

function answered(text: string, source: Target) {
  const transport = new FakeTransport();
  const clock = new FakeClock();
  const ua = new UserAgentCore({ transport, timers: clock });
  let session: InviteServerSession | undefined;
  ua.onInvite((s) => {
    session = s;
  });
  const inviteTx = new FakeServerTransaction(request(text), source);
  ua.handleRequest(inviteTx.request, inviteTx);
  const ended: SessionEndCause[] = [];
  session!.on('terminated', (cause) => ended.push(cause));
  session!.accept({ body: sdp });
  // The browser's ACK for our 2xx, over its socket.
  ua.handleAck(
    request(`
ACK sip:sb@203.0.113.1:5060 SIP/2.0
Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKack
Max-Forwards: 70
To: <sip:bob@example.com>;tag=${session!.localTag}
From: <sip:alice@example.com>;tag=a1
Call-ID: flow-call
CSeq: 10 ACK
Content-Length: 0

`),
    source,
  );
  return { transport, clock, ua, session: session!, ended };
}

describe('dialogs over a flow, the peer as caller (RFC 7118 §5, RFC 5626 §5.3)', () => {
  it("sends the BYE over the caller's own WebSocket, Via WS, without resolving its .invalid Contact", async () => {
    const { transport, session } = answered(browserInvite(), browserFlow);
    expect(session.dialog?.flow).toEqual(browserFlow);
    void session.bye();
    await flush();
    const [bye] = transport.sent('BYE');
    expect(bye?.target).toEqual(browserFlow);
    expect(bye?.request.uriText).toBe('sip:alice@df7jal23ls0d.invalid;transport=ws;ob');
    expect(bye?.request.topVia?.transport).toBe('WS');
    expect(transport.resolved).toEqual([]);
  });

  it('a re-INVITE over a flow that closed fails with 430 and ends the call with dialog-gone', async () => {
    const { transport, session, ended } = answered(browserInvite(), browserFlow);
    transport.closedConnections.add('ws-7');
    const response = await session.reinvite({ body: sdp });
    expect(response.status).toBe(430);
    expect(response.reason).toBe('Flow Failed');
    await flush();
    expect(ended).toEqual(['dialog-gone']);
    // Nothing was sent: not the re-INVITE, and not the BYE (the flow is as gone for it).
    expect(transport.transactions).toEqual([]);
    expect(transport.resolved).toEqual([]);
  });

  it('a TCP caller behind NAT is reached over its connection; once it closed, at its Contact (§18.1.1)', async () => {
    const { transport, session } = answered(tcpInvite, tcpFlow);
    void session.update({});
    await flush();
    expect(transport.sent('UPDATE')[0]?.target).toEqual(tcpFlow);
    transport.closedConnections.add('tcp-3');
    void session.bye();
    await flush();
    expect(transport.sent('BYE')[0]?.target).toEqual({
      protocol: 'udp',
      address: '198.51.100.4',
      port: 5060,
    });
  });

  it('keeps no flow for a request that came through a proxy (two Vias): the route set and Contact rule', async () => {
    const { transport, session } = answered(
      tcpInvite.replace(
        'Via: SIP/2.0/TCP',
        'Via: SIP/2.0/TCP p1.example.com;branch=z9hG4bKp\nVia: SIP/2.0/TCP',
      ),
      tcpFlow,
    );
    expect(session.dialog?.flow).toBeUndefined();
    void session.bye();
    await flush();
    expect(transport.sent('BYE')[0]?.target.connectionId).toBeUndefined();
  });

  it("moves the dialog onto the connection of the peer's target refresh (a client that reconnected)", async () => {
    const { transport, ua, session } = answered(browserInvite(), browserFlow);
    const reconnected: Target = { ...browserFlow, port: 51_002, connectionId: 'ws-9' };
    const reinvite = new FakeServerTransaction(
      request(`
INVITE sip:sb@203.0.113.1:5060;transport=ws SIP/2.0
Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKw2
Max-Forwards: 70
To: <sip:bob@example.com>;tag=${session.localTag}
From: <sip:alice@example.com>;tag=a1
Call-ID: flow-call
CSeq: 11 INVITE
Contact: <sip:alice@df7jal23ls0d.invalid;transport=ws;ob>
Content-Length: 0

`),
      reconnected,
    );
    ua.handleRequest(reinvite.request, reinvite);
    expect(session.dialog?.flow).toEqual(reconnected);
    transport.closedConnections.add('ws-7');
    void session.bye();
    await flush();
    expect(transport.sent('BYE')[0]?.target).toEqual(reconnected);
  });
});

describe('dialogs over a flow, the peer as callee (RFC 5626 §5.3)', () => {
  /** A callee leg whose INVITE goes over a registered client's connection, as a B2BUA's does. */
  async function calling(flow: Target) {
    const transport = new FakeTransport();
    const ua = new UserAgentCore({ transport });
    const host: SessionHost = {
      transport,
      timers: ua.timers,
      t1: ua.t1,
      t2: ua.t2,
      onError: ua.onError,
      allow: () => ua.allow(),
      sendRequest: (req, callbacks, options) =>
        ua.sendRequest(req, callbacks, req.method === 'INVITE' && !req.to.tag ? { target: flow } : options),
      sendInDialogStateless: (req, dialog) => ua.sendInDialogStateless(req, dialog),
      bindDialog: (dialog, usage) => ua.bindDialog(dialog, usage),
      unbindDialog: (dialog) => ua.unbindDialog(dialog),
    };
    const invite = ua.createRequest('INVITE', {
      to: 'sip:carol@example.com',
      from: '<sip:bob@example.com>',
      requestUri: 'sip:carol@k3j2.invalid;transport=ws;ob',
      body: sdp,
      contentType: 'application/sdp',
    });
    const session = new InviteClientSession(host, invite);
    const ended: SessionEndCause[] = [];
    session.on('terminated', (cause) => ended.push(cause));
    await session.start();
    const tx = transport.sent('INVITE')[0]!;
    return { transport, session, tx, ended };
  }

  const ok = (tx: { request: Parameters<typeof answer>[0] }): SipResponse =>
    answer(tx.request, 200, { toTag: 'c1', contact: '<sip:carol@k3j2.invalid;transport=ws;ob>', body: sdp });

  it('ACKs the 2xx and sends BYE over the connection the INVITE went on', async () => {
    const { transport, session, tx } = await calling(browserFlow);
    tx.receive(ok(tx));
    await flush();
    const [ack] = transport.statelessRequests('ACK');
    expect(ack?.target).toEqual(browserFlow);
    expect(ack?.request.topVia?.transport).toBe('WS');
    void session.bye();
    await flush();
    expect(transport.sent('BYE')[0]?.target).toEqual(browserFlow);
    expect(transport.resolved).toEqual([]);
  });

  it('a BYE after the callee left fails 430 and the session ends all the same', async () => {
    const { transport, session, tx, ended } = await calling(browserFlow);
    tx.receive(ok(tx));
    await flush();
    transport.closedConnections.add('ws-7');
    const response = await session.bye();
    expect(response?.status).toBe(430);
    expect(ended).toEqual(['local-bye']);
    expect(transport.sent('BYE')).toEqual([]);
  });

  it('a 2xx with a Record-Route goes by the route set, not the flow (the peer is not at its end)', async () => {
    const { transport, tx } = await calling(tcpFlow);
    tx.receive(
      answer(tx.request, 200, {
        toTag: 'c1',
        recordRoutes: ['<sip:edge.example.com;lr>'],
        contact: '<sip:carol@198.51.100.4:5060;transport=tcp>',
        body: sdp,
      }),
    );
    await flush();
    expect(transport.statelessRequests('ACK')[0]?.target).toEqual({
      protocol: 'udp',
      address: 'edge.example.com',
      port: 5060,
    });
  });
});
