import { describe, expect, it } from 'vitest';
import type { SipRequest, SipResponse } from '../../../src/sip/message/index.js';
import { type InviteServerSession, type SessionEndCause, UserAgentCore } from '../../../src/sip/ua/index.js';
import { answer, FakeClock, FakeServerTransaction, FakeTransport, flush, request } from './fakes.js';

const sdp =
  'v=0\r\no=- 2 2 IN IP4 203.0.113.1\r\ns=-\r\nc=IN IP4 203.0.113.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n';

function invite(extra: string): SipRequest {
  return request(`
INVITE sip:bob@203.0.113.1 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKuac
Max-Forwards: 69
To: <sip:bob@example.com>
From: "Alice" <sip:alice@example.com>;tag=a1
Call-ID: rel-call
CSeq: 10 INVITE
Contact: <sip:alice@192.0.2.10:5060>
${extra}Content-Type: application/sdp
Content-Length: ${sdp.length}

${sdp}`);
}

function prack(seq: number, toTag: string, rack: string): SipRequest {
  return request(`
PRACK sip:sb@203.0.113.1:5060 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKprack${seq}
Max-Forwards: 70
To: <sip:bob@example.com>;tag=${toTag}
From: "Alice" <sip:alice@example.com>;tag=a1
Call-ID: rel-call
CSeq: ${seq} PRACK
RAck: ${rack}
Content-Length: 0

`);
}

function uas(extra = 'Supported: 100rel, timer\n') {
  const transport = new FakeTransport();
  const clock = new FakeClock();
  const ua = new UserAgentCore({ transport, timers: clock, t1: 500, t2: 4000, supported: ['100rel'] });
  let session: InviteServerSession | undefined;
  ua.onInvite((s) => {
    session = s;
  });
  const inviteTx = new FakeServerTransaction(invite(extra));
  ua.handleRequest(inviteTx.request, inviteTx);
  const ended: SessionEndCause[] = [];
  session!.on('terminated', (cause) => ended.push(cause));
  /** Send a PRACK in the early dialog; its transaction's statuses. */
  const sendPrack = (seq: number, rack: string): number[] => {
    const tx = new FakeServerTransaction(prack(seq, session!.localTag, rack));
    ua.handleRequest(tx.request, tx);
    return tx.statuses;
  };
  return { clock, session: session!, inviteTx, ended, sendPrack };
}

describe('reliable provisionals, UAS side (RFC 3262 §3)', () => {
  it('sends Require: 100rel and an RSeq, retransmits at T1, 2·T1... until the PRACK, answers it 200', () => {
    const { clock, session, inviteTx, sendPrack } = uas();
    session.progress(183, { body: sdp, reliable: true });
    const first = inviteTx.responses[0]!;
    expect(first.status).toBe(183);
    expect(first.getAll('require')).toContain('100rel');
    const rseq = Number(first.get('rseq'));
    expect(rseq).toBeGreaterThan(0);
    expect(rseq).toBeLessThan(2 ** 31);
    const count = () => inviteTx.statuses.filter((s) => s === 183).length;
    clock.advance(500);
    expect(count()).toBe(2);
    clock.advance(1000); // 1.5 s
    expect(count()).toBe(3);
    clock.advance(2000); // 3.5 s
    expect(count()).toBe(4);
    clock.advance(4000); // 7.5 s: no T2 cap (the interval doubles, §3)
    expect(count()).toBe(5);
    expect(inviteTx.responses.every((r) => r.get('rseq') === String(rseq))).toBe(true);

    expect(sendPrack(11, `${rseq + 1} 10 INVITE`)).toEqual([481]);
    expect(sendPrack(12, `${rseq} 9 INVITE`)).toEqual([481]);
    expect(sendPrack(13, `${rseq} 10 INVITE`)).toEqual([200]);
    expect(session.earlyAnswerAcknowledged).toBe(true);
    clock.advance(60_000);
    expect(count()).toBe(5);
    // A second PRACK for the same response matches nothing unacknowledged.
    expect(sendPrack(14, `${rseq} 10 INVITE`)).toEqual([481]);
  });

  it('holds a second reliable provisional until the first is PRACKed; RSeq goes up by one', () => {
    const { session, inviteTx, sendPrack } = uas();
    session.progress(180, { reliable: true });
    session.progress(183, { body: sdp, reliable: true });
    expect(inviteTx.statuses).toEqual([180]);
    const rseq = Number(inviteTx.responses[0]!.get('rseq'));
    expect(sendPrack(11, `${rseq} 10 INVITE`)).toEqual([200]);
    expect(inviteTx.statuses).toEqual([180, 183]);
    expect(inviteTx.responses[1]!.get('rseq')).toBe(String(rseq + 1));
    expect(session.earlyAnswerAcknowledged).toBe(false);
  });

  it('the 2xx waits for the PRACK of a provisional that carried SDP', () => {
    const { session, inviteTx, sendPrack } = uas();
    session.progress(183, { body: sdp, reliable: true });
    session.accept({ body: sdp });
    expect(inviteTx.statuses).toEqual([183]);
    expect(session.answered).toBe(false);
    const rseq = inviteTx.responses[0]!.get('rseq');
    expect(sendPrack(11, `${rseq} 10 INVITE`)).toEqual([200]);
    expect(inviteTx.statuses).toEqual([183, 200]);
    expect(session.state).toBe('accepted');
  });

  it('a 2xx need not wait for a bodiless provisional; a PRACK crossing it still gets 200', () => {
    const { clock, session, inviteTx, sendPrack } = uas();
    session.progress(180, { reliable: true });
    session.accept({ body: sdp });
    expect(inviteTx.statuses).toEqual([180, 200]);
    clock.advance(500);
    expect(inviteTx.statuses.filter((s) => s === 180)).toHaveLength(1);
    expect(sendPrack(11, `${inviteTx.responses[0]!.get('rseq')} 10 INVITE`)).toEqual([200]);
  });

  it('refuses the INVITE with 504 when no PRACK came within 64·T1', () => {
    const { clock, session, inviteTx, ended } = uas();
    session.progress(180, { reliable: true });
    clock.advance(31_999);
    expect(ended).toEqual([]);
    clock.advance(1);
    expect(inviteTx.statuses.at(-1)).toBe(504);
    expect(ended).toEqual(['prack-timeout']);
    expect(clock.pending).toBe(0);
  });

  it('sends provisionals unreliably to a caller without 100rel', () => {
    const { session, inviteTx } = uas('');
    expect(session.reliableProvisionals).toBe(false);
    session.progress(180, { reliable: true });
    expect(inviteTx.responses[0]!.has('rseq')).toBe(false);
    expect(inviteTx.responses[0]!.getAll('require')).toEqual([]);
  });
});

async function uac(sdpOffer: string | undefined) {
  const transport = new FakeTransport();
  const ua = new UserAgentCore({ transport, supported: ['100rel'] });
  const session = ua.invite({
    to: 'sip:bob@example.com',
    from: 'sip:alice@example.com',
    ...(sdpOffer ? { sdp: sdpOffer } : {}),
    headers: [['session-expires', '1800;refresher=uac']],
  });
  const progress: number[] = [];
  session.on('progress', (res) => progress.push(res.status));
  await flush();
  const tx = transport.sent('INVITE')[0]!;
  return { transport, session, tx, invite: tx.request, progress };
}

function reliable(invite: SipRequest, status: number, rseq: number, body?: string): SipResponse {
  const res = answer(invite, status, {
    toTag: 'b1',
    contact: '<sip:bob@192.0.2.20:5062>',
    ...(body ? { body } : {}),
  });
  res.append('require', '100rel');
  res.append('rseq', String(rseq));
  return res;
}

describe('reliable provisionals, UAC side (RFC 3262 §4)', () => {
  it('PRACKs each reliable provisional once, in its early dialog, with RAck', async () => {
    const { transport, session, tx, invite, progress } = await uac(sdp);
    expect(invite.getAll('supported')).toContain('100rel');
    tx.receive(reliable(invite, 180, 7));
    tx.receive(reliable(invite, 180, 7)); // retransmission
    await flush();
    let pracks = transport.sent('PRACK');
    expect(pracks).toHaveLength(1);
    const first = pracks[0]!.request;
    expect(first.get('rack')).toBe(`7 ${invite.cseq.seq} INVITE`);
    expect(first.callId).toBe(invite.callId);
    expect(first.to.tag).toBe('b1');
    expect(first.uriText).toBe('sip:bob@192.0.2.20:5062');
    expect(first.cseq.seq).toBe(invite.cseq.seq + 1);
    expect(progress).toEqual([180]);

    tx.receive(reliable(invite, 183, 9, sdp)); // out of order: dropped
    tx.receive(reliable(invite, 183, 8, sdp));
    await flush();
    pracks = transport.sent('PRACK');
    expect(pracks.map((p) => p.request.get('rack'))).toEqual([
      `7 ${invite.cseq.seq} INVITE`,
      `8 ${invite.cseq.seq} INVITE`,
    ]);
    expect(progress).toEqual([180, 183]);
    expect(session.earlyAnswerReceived).toBe(true);

    // RFC 3311 §5.1: an UPDATE in the early dialog once the answer came reliably.
    void session.update({ body: sdp });
    await flush();
    const update = transport.sent('UPDATE')[0]!.request;
    expect(update.to.tag).toBe('b1');
    expect(update.cseq.seq).toBe(invite.cseq.seq + 3);
  });

  it('leaves the PRACK of a provisional that offers (delayed offer) to the owner, with the answer', async () => {
    const { transport, session, tx, invite } = await uac(undefined);
    let offer: SipResponse | undefined;
    session.on('progress', (res) => {
      offer = res;
    });
    tx.receive(reliable(invite, 183, 1, sdp));
    await flush();
    expect(transport.sent('PRACK')).toHaveLength(0);
    void session.prack(offer!, { body: sdp });
    await flush();
    const sent = transport.sent('PRACK')[0]!.request;
    expect(sent.get('rack')).toBe(`1 ${invite.cseq.seq} INVITE`);
    expect(sent.body.toString()).toBe(sdp);
  });
});

describe('422 Session Interval Too Small (RFC 4028 §7.4)', () => {
  it('retries the INVITE once with the Min-SE: next CSeq, same Call-ID and tags, new branch', async () => {
    const { transport, session, tx, invite } = await uac(sdp);
    const rejected: number[] = [];
    session.on('rejected', (res) => rejected.push(res.status));
    const tooSmall = answer(invite, 422, { toTag: 'x' });
    tooSmall.append('min-se', '3600');
    tx.receive(tooSmall);
    await flush();
    expect(rejected).toEqual([]);
    const retries = transport.sent('INVITE');
    expect(retries).toHaveLength(2);
    const retry = retries[1]!.request;
    expect(retry.callId).toBe(invite.callId);
    expect(retry.from.tag).toBe(invite.from.tag);
    expect(retry.to.tag).toBeUndefined();
    expect(retry.cseq).toEqual({ seq: invite.cseq.seq + 1, method: 'INVITE' });
    expect(retry.topVia?.branch).not.toBe(invite.topVia?.branch);
    expect(retry.get('session-expires')).toBe('3600;refresher=uac');
    expect(retry.get('min-se')).toBe('3600');
    expect(retry.body.toString()).toBe(sdp);
    expect(session.invite.cseq.seq).toBe(invite.cseq.seq + 1);

    // A second 422 stands.
    const again = answer(retry, 422, { toTag: 'x' });
    again.append('min-se', '7200');
    retries[1]!.receive(again);
    await flush();
    expect(rejected).toEqual([422]);
    expect(transport.sent('INVITE')).toHaveLength(2);
    expect(session.state).toBe('terminated');
  });
});
