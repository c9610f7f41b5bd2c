import { describe, expect, it } from 'vitest';
import { createResponse, type SipRequest, type SipResponse } from '../../../src/sip/message/index.js';
import { parseMessage } from '../../../src/sip/parser/index.js';
import { harness, isStatus, next, request, responseTo, uac } from './helpers.js';

/** An RFC 2543 request: no magic cookie in the branch (here no branch at all). */
const legacy = (method: string, o: Parameters<typeof request>[1] = {}) =>
  request(method, { branch: null, ...o });

describe('server transaction matching (RFC 3261 §17.2.3)', () => {
  it('matches by branch, sent-by and method; another sent-by or method is a new transaction', () => {
    const h = harness({ sendTrying: false });
    h.serve(request('OPTIONS'));
    h.layer.receive(request('OPTIONS'), uac); // retransmission
    h.layer.receive(request('OPTIONS', { via: 'SIP/2.0/UDP 192.0.2.11:5060' }), uac);
    h.layer.receive(request('INFO', { branch: 'z9hG4bK-client-1' }), uac);
    h.layer.receive(request('OPTIONS', { via: 'SIP/2.0/UDP 192.0.2.10:5070' }), uac);
    expect(h.requests.map((r) => r.request.method)).toEqual(['OPTIONS', 'OPTIONS', 'INFO', 'OPTIONS']);
    expect(h.layer.stats().server.nonInvite).toBe(4);
  });

  it('compares the sent-by host case-insensitively', () => {
    const h = harness({ sendTrying: false });
    h.serve(request('OPTIONS', { via: 'SIP/2.0/UDP PC33.example.com:5060' }));
    h.layer.receive(request('OPTIONS', { via: 'SIP/2.0/UDP pc33.EXAMPLE.com:5060' }), uac);
    expect(h.requests).toHaveLength(1);
  });

  it('ACK with the INVITE branch confirms a Completed transaction; other ACKs go to onAck', () => {
    const h = harness();
    const { tx } = h.serve(request('INVITE'));
    tx!.respond(createResponse(tx!.request!, 480, undefined, 'uas'));
    h.layer.receive(request('ACK', { branch: 'z9hG4bK-other', toTag: 'uas' }), uac);
    expect(tx!.state).toBe('completed');
    expect(h.acks.map((a) => a.ack.topVia?.branch)).toEqual(['z9hG4bK-other']);
    h.layer.receive(request('ACK', { toTag: 'uas' }), uac);
    expect(tx!.state).toBe('confirmed');
    expect(h.acks).toHaveLength(1);
  });

  it('passes an ACK matching an INVITE still in Proceeding to the TU', () => {
    const h = harness();
    const { tx } = h.serve(request('INVITE'));
    h.layer.receive(request('ACK'), uac);
    expect(tx!.state).toBe('proceeding');
    expect(h.acks).toHaveLength(1);
  });

  it('RFC 2543: matches INVITE retransmissions by Request-URI, tags, Call-ID, CSeq and top Via', () => {
    const h = harness();
    const { tx } = h.serve(legacy('INVITE'));
    h.layer.receive(legacy('INVITE'), uac);
    expect(h.requests).toHaveLength(1);
    expect(h.sent.filter(isStatus(100))).toHaveLength(2);
    for (const changed of [
      legacy('INVITE', { cseq: 2 }),
      legacy('INVITE', { callId: 'other@x' }),
      legacy('INVITE', { fromTag: 'ft2' }),
      legacy('INVITE', { uri: 'sip:carol@example.com' }),
      legacy('INVITE', { via: 'SIP/2.0/UDP 192.0.2.10:5062' }),
    ]) {
      h.layer.receive(changed, uac);
    }
    expect(h.requests).toHaveLength(6);
    expect(tx!.state).toBe('proceeding');
  });

  it('RFC 2543: a non-INVITE request also matches on its To tag', () => {
    const h = harness();
    h.serve(legacy('BYE', { toTag: 'a' }));
    h.layer.receive(legacy('BYE', { toTag: 'a' }), uac);
    h.layer.receive(legacy('BYE', { toTag: 'b' }), uac);
    expect(h.requests).toHaveLength(2);
  });

  it('RFC 2543: an ACK matches when its To tag is the one of the response sent', () => {
    const h = harness();
    const { tx } = h.serve(legacy('INVITE', { fromTag: null }));
    tx!.respond(createResponse(tx!.request!, 486, undefined, 'our-tag'));
    h.layer.receive(legacy('ACK', { fromTag: null, toTag: 'not-ours' }), uac);
    expect(tx!.state).toBe('completed');
    expect(h.acks).toHaveLength(1);
    h.layer.receive(legacy('ACK', { fromTag: null, toTag: 'our-tag', cseqMethod: 'ACK' }), uac);
    expect(tx!.state).toBe('confirmed');
    expect(h.acks).toHaveLength(1);
  });

  it('RFC 2543: an ACK for a 2xx matching an Accepted INVITE goes to the TU', () => {
    const h = harness();
    const { tx } = h.serve(legacy('INVITE'));
    tx!.respond(createResponse(tx!.request!, 200, undefined, 'our-tag'));
    h.layer.receive(legacy('ACK', { toTag: 'our-tag' }), uac);
    expect(tx!.state).toBe('accepted');
    expect(h.acks).toHaveLength(1);
  });

  it('does not mix up magic-cookie and RFC 2543 transactions', () => {
    const h = harness();
    h.serve(request('INVITE'));
    h.serve(legacy('INVITE'));
    expect(h.requests).toHaveLength(2);
    expect(h.layer.stats().server.invite).toBe(2);
  });
});

describe('CANCEL matching (RFC 3261 §9.2)', () => {
  it('gives CANCEL its own transaction and the INVITE transaction it targets', () => {
    const h = harness();
    const { tx: invite } = h.serve(request('INVITE'));
    h.layer.receive(request('CANCEL'), uac);
    expect(h.requests).toHaveLength(1);
    expect(h.cancels).toHaveLength(1);
    const { tx, invite: target } = h.cancels[0]!;
    expect(target).toBe(invite);
    expect(tx).not.toBe(invite);
    expect(tx.isInvite).toBe(false);
    // A CANCEL retransmission is absorbed by the CANCEL transaction, and answered once it has a final.
    h.layer.receive(request('CANCEL'), uac);
    expect(h.cancels).toHaveLength(1);
    tx.respond(createResponse(tx.request!, 200));
    h.layer.receive(request('CANCEL'), uac);
    expect(h.sent.filter((s) => (s.message as SipResponse).cseq.method === 'CANCEL')).toHaveLength(2);
    expect(invite!.state).toBe('proceeding');
    expect(h.layer.stats().server).toEqual({ invite: 1, nonInvite: 1 });
  });

  it('gives undefined when no INVITE transaction matches (the TU answers 481)', () => {
    const h = harness();
    h.serve(request('INVITE'));
    h.layer.receive(request('CANCEL', { branch: 'z9hG4bK-unknown' }), uac);
    h.layer.receive(request('CANCEL', { via: 'SIP/2.0/UDP 192.0.2.99:5060' }), uac);
    expect(h.cancels.map((c) => c.invite)).toEqual([undefined, undefined]);
  });

  it('matches an RFC 2543 CANCEL to its INVITE', () => {
    const h = harness();
    const { tx: invite } = h.serve(legacy('INVITE'));
    h.layer.receive(legacy('CANCEL'), uac);
    h.layer.receive(legacy('CANCEL', { callId: 'other@x' }), uac);
    expect(h.cancels.map((c) => c.invite)).toEqual([invite, undefined]);
  });

  it('goes to onRequest when the TU has no onCancel handler', () => {
    const h = harness({ withCancel: false });
    h.serve(request('INVITE'));
    h.layer.receive(request('CANCEL'), uac);
    expect(h.requests.map((r) => r.request.method)).toEqual(['INVITE', 'CANCEL']);
  });
});

describe('client transaction matching (RFC 3261 §17.1.3)', () => {
  it('matches responses by top Via branch and CSeq method; unmatched go to onStrayResponse', () => {
    const h = harness();
    const inv = request('INVITE', { branch: 'z9hG4bK-b1' });
    const cancel = request('CANCEL', { branch: 'z9hG4bK-b1' });
    const i = h.client(inv);
    const c = h.client(cancel);
    h.layer.receive(responseTo(cancel, 200, 'x'), next);
    h.layer.receive(responseTo(inv, 487, 'x'), next);
    h.layer.receive(responseTo(request('INVITE', { branch: 'z9hG4bK-b2' }), 200, 'x'), next);
    expect(c.responses.map((r) => r.status)).toEqual([200]);
    expect(i.responses.map((r) => r.status)).toEqual([487]);
    expect(h.strays.map((r) => r.topVia?.branch)).toEqual(['z9hG4bK-b2']);
  });

  it('treats a response without a branch as stray', () => {
    const h = harness();
    h.layer.receive(responseTo(request('OPTIONS', { branch: null }), 200, 'x'), next);
    expect(h.strays).toHaveLength(1);
  });

  it('refuses ACK, requests without an RFC 3261 branch, and duplicate branches', () => {
    const h = harness();
    expect(() => h.layer.sendRequest(request('ACK'), next, { onResponse: () => {} })).toThrow(/ACK/);
    expect(() =>
      h.layer.sendRequest(request('OPTIONS', { branch: null }), next, { onResponse: () => {} }),
    ).toThrow(/branch/);
    expect(() =>
      h.layer.sendRequest(request('OPTIONS', { branch: 'abc' }), next, { onResponse: () => {} }),
    ).toThrow(/branch/);
    h.client(request('OPTIONS'));
    expect(() => h.layer.sendRequest(request('OPTIONS'), next, { onResponse: () => {} })).toThrow(/running/);
    expect(h.layer.stats().client.nonInvite).toBe(1);
  });
});

describe('malformed input', () => {
  it('drops and counts messages whose matching fields are unusable, without throwing', () => {
    const h = harness();
    const noVia = parseMessage(
      Buffer.from('OPTIONS sip:b@x SIP/2.0\r\nCall-ID: 1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n'),
    ) as SipRequest;
    const badCseq = parseMessage(
      Buffer.from(
        'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: x\r\nContent-Length: 0\r\n\r\n',
      ),
    ) as SipResponse;
    const badVia = parseMessage(
      Buffer.from('OPTIONS sip:b@x SIP/2.0\r\nVia: garbage\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n'),
    ) as SipRequest;
    h.layer.receive(noVia, uac);
    h.layer.receive(badCseq, next);
    h.layer.receive(badVia, uac);
    expect(h.layer.stats().dropped).toBe(3);
    expect(h.requests).toHaveLength(0);
  });

  it('keeps going when a TU handler throws, reporting the error', () => {
    const h = harness();
    const c = h.client(request('OPTIONS'));
    c.responses.push = () => {
      throw new Error('TU bug');
    };
    h.layer.receive(responseTo(c.req, 200, 'x'), next);
    expect(h.errors).toHaveLength(1);
    expect(c.tx.state).toBe('completed');
  });
});
