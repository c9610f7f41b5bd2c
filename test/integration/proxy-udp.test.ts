import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/index.js';
import { type RunningNode, startNode } from '../../src/node.js';
import { parseUri, type SipRequest, type SipResponse } from '../../src/sip/message/index.js';
import { answer, SipSocket } from './sip-socket.js';

describe('a node as an outbound proxy over UDP (default route)', () => {
  let node: RunningNode;
  let uac: SipSocket;
  let uas: SipSocket;
  let port: number;

  beforeEach(async () => {
    uac = await SipSocket.open();
    uas = await SipSocket.open();
    const config = defaultConfig();
    config.api.port = 0;
    config.sip.port = 0;
    config.sip.listen = ['127.0.0.1'];
    config.sip.transports = ['udp'];
    config.sip.timers = { t1: 100, t2: 400, t4: 500 };
    config.proxy.defaultRoute = `sip:127.0.0.1:${uas.port}`;
    node = await startNode(config, pino({ level: 'silent' }));
    port = node.listening[0]!.port;
  });

  afterEach(async () => {
    await node.stop();
    uac.close();
    uas.close();
  });

  const invite = (callId: string) => `INVITE sip:bob@127.0.0.1:${port} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${uac.port};branch=z9hG4bK${callId};rport
Max-Forwards: 70
From: <sip:alice@example.com>;tag=a-${callId}
To: <sip:bob@example.com>
Call-ID: ${callId}
CSeq: 1 INVITE
Contact: <sip:alice@127.0.0.1:${uac.port}>
Content-Length: 0

`;

  it('relays a whole call: INVITE/100/180/200/ACK/BYE/200 with Record-Route', async () => {
    uac.send(invite('call-a'), port);
    await uac.response(100, 'INVITE');
    const inv = await uas.request('INVITE');
    expect(inv.via).toHaveLength(2);
    expect(inv.maxForwards).toBe(69);
    expect(inv.getAll('record-route')).toEqual([`<sip:127.0.0.1:${port};lr>`]);
    expect(inv.topVia!.rport).toBeNull();
    // The UAC's Via got received/rport from the node (RFC 3581).
    expect(inv.via[1]!.rport).toBe(uac.port);
    uas.send(answer(inv, 180, 'Ringing', [], 'b1'), port);
    const ringing = await uac.response(180);
    expect(ringing.via).toHaveLength(1);
    uas.send(answer(inv, 200, 'OK', [`Contact: <sip:bob@127.0.0.1:${uas.port}>`], 'b1'), port);
    const ok = await uac.response(200, 'INVITE');
    expect(ok.getAll('record-route')).toEqual([`<sip:127.0.0.1:${port};lr>`]);
    // ACK and BYE follow the route set: Route to the node, Request-URI the UAS contact.
    const inDialog = (
      method: string,
      cseq: number,
      branch: string,
    ) => `${method} sip:bob@127.0.0.1:${uas.port} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${uac.port};branch=${branch};rport
Max-Forwards: 70
Route: <sip:127.0.0.1:${port};lr>
From: <sip:alice@example.com>;tag=a-call-a
To: <sip:bob@example.com>;tag=b1
Call-ID: call-a
CSeq: ${cseq} ${method}
Content-Length: 0

`;
    uac.send(inDialog('ACK', 1, 'z9hG4bKack1'), port);
    const ack = await uas.request('ACK');
    expect(ack.has('route')).toBe(false);
    expect(ack.uriText).toBe(`sip:bob@127.0.0.1:${uas.port}`);
    uac.send(inDialog('BYE', 2, 'z9hG4bKbye1'), port);
    const bye = await uas.request('BYE');
    uas.send(answer(bye, 200, 'OK'), port);
    const byeOk = await uac.response(200, 'BYE');
    expect(byeOk.via).toHaveLength(1);
  });

  it('absorbs INVITE retransmissions and resends the last provisional', async () => {
    uac.send(invite('call-b'), port);
    const inv = await uas.request('INVITE');
    uas.send(answer(inv, 180, 'Ringing', [], 'b1'), port);
    await uac.response(180);
    uac.send(invite('call-b'), port);
    await uac.response(180);
    await new Promise((r) => setTimeout(r, 50));
    expect(uas.received.filter((m) => m.isRequest && (m as SipRequest).method === 'INVITE')).toHaveLength(0);
  });

  it('relays CANCEL: 200 for the CANCEL, CANCEL downstream, 487 upstream, ACK absorbed hop by hop', async () => {
    uac.send(invite('call-c'), port);
    const inv = await uas.request('INVITE');
    uas.send(answer(inv, 180, 'Ringing', [], 'b1'), port);
    await uac.response(180);
    uac.send(
      `CANCEL sip:bob@127.0.0.1:${port} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${uac.port};branch=z9hG4bKcall-c;rport
Max-Forwards: 70
From: <sip:alice@example.com>;tag=a-call-c
To: <sip:bob@example.com>
Call-ID: call-c
CSeq: 1 CANCEL
Content-Length: 0

`,
      port,
    );
    await uac.response(200, 'CANCEL');
    const cancel = await uas.request('CANCEL');
    expect(cancel.topVia!.branch).toBe(inv.topVia!.branch);
    uas.send(answer(cancel, 200, 'OK'), port);
    uas.send(answer(inv, 487, 'Request Terminated', [], 'b1'), port);
    const terminated = await uac.response(487);
    const ack = await uas.request('ACK');
    expect(ack.topVia!.branch).toBe(inv.topVia!.branch);
    expect(terminated.to.tag).toBe('b1');
  });

  it('answers 482 when a request it forwarded comes back unchanged (RFC 3261 §16.3 item 4), and relays a spiral', async () => {
    uac.send(invite('call-loop'), port);
    const inv = await uas.request('INVITE');
    uas.send(answer(inv, 100, 'Trying'), port);
    // A misconfigured next hop routes it straight back: its own Via on top of ours.
    const peerVia = (branch: string) => `SIP/2.0/UDP 127.0.0.1:${uas.port};branch=${branch};rport`;
    const looped = inv.clone().set('max-forwards', String(inv.maxForwards! - 1));
    looped.prepend('Via', peerVia('z9hG4bK-peer-loop'));
    uas.send(looped, port);
    const refused = await uas.response(482, 'INVITE');
    expect(refused.topVia!.branch).toBe('z9hG4bK-peer-loop');
    expect(uas.received.some((m) => m.isRequest)).toBe(false);
    // Retargeted on the way (a spiral), the same request is legitimate and goes on.
    const spiral = inv.clone();
    spiral.uri = parseUri(`sip:bob-mobile@127.0.0.1:${port}`);
    spiral.prepend('Via', peerVia('z9hG4bK-peer-spiral'));
    uas.send(spiral, port);
    const again = await uas.request('INVITE');
    expect(again.uriText).toBe(`sip:bob-mobile@127.0.0.1:${port}`);
    uas.send(answer(again, 486, 'Busy Here', [], 'b2'), port);
    uas.send(answer(inv, 486, 'Busy Here', [], 'b1'), port);
    await uac.response(486, 'INVITE');
  });

  it('retransmits the INVITE downstream over UDP until a provisional arrives (Timer A)', async () => {
    uac.send(invite('call-d'), port);
    await uas.request('INVITE');
    await uas.request('INVITE', 1000);
  });

  it('answers 408 upstream when the next hop never answers (Timer B = 64·T1)', async () => {
    uac.send(invite('call-e'), port);
    const timeout: SipResponse = await uac.response(408, 'INVITE', 8000);
    expect(timeout.to.tag).toBeDefined();
  }, 15_000);
});
