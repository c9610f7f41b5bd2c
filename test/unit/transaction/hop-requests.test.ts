import { describe, expect, it } from 'vitest';
import type { SipRequest } from '../../../src/sip/message/index.js';
import { parseMessage } from '../../../src/sip/parser/index.js';
import { createAck, createCancel } from '../../../src/sip/transaction/index.js';
import { harness, next, request, responseTo } from './helpers.js';

const invite = () =>
  request('INVITE', {
    branch: 'z9hG4bK-hop',
    cseq: 314,
    lowerVias: ['SIP/2.0/UDP upstream.example;branch=z9hG4bK-up'],
    extra: ['Route: <sip:edge.example;lr>, <sip:core.example;lr>', 'Authorization: Digest x', 'Subject: hi'],
  });

describe('requests for the same hop as an INVITE', () => {
  it('createCancel follows RFC 3261 §9.1', () => {
    const inv = invite();
    const cancel = createCancel(inv);
    expect(cancel.method).toBe('CANCEL');
    expect(cancel.uriText).toBe(inv.uriText);
    expect(cancel.getAll('via')).toEqual(['SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-hop']);
    expect(cancel.get('to')).toBe(inv.get('to'));
    expect(cancel.get('from')).toBe(inv.get('from'));
    expect(cancel.callId).toBe(inv.callId);
    expect(cancel.cseq).toEqual({ seq: 314, method: 'CANCEL' });
    expect(cancel.getAll('route')).toEqual(['<sip:edge.example;lr>', '<sip:core.example;lr>']);
    expect(cancel.maxForwards).toBe(70);
    expect(cancel.has('subject')).toBe(false);
    // It serializes to a message that parses back the same.
    const reparsed = parseMessage(cancel.toBuffer()) as SipRequest;
    expect(reparsed.cseq).toEqual({ seq: 314, method: 'CANCEL' });
    expect(reparsed.get('content-length')).toBe('0');
  });

  it('createAck takes the To of the response', () => {
    const inv = invite();
    const ack = createAck(inv, responseTo(inv, 404, 'resp-tag'));
    expect(ack.method).toBe('ACK');
    expect(ack.to.tag).toBe('resp-tag');
    expect(ack.cseq).toEqual({ seq: 314, method: 'ACK' });
    expect(ack.getAll('via')).toHaveLength(1);
  });

  it('a CANCEL sent with sendRequest runs beside its INVITE (same branch, own transaction)', () => {
    const h = harness();
    const inv = invite();
    const i = h.client(inv);
    h.layer.receive(responseTo(inv, 180, 'uas'), next);
    const c = h.client(createCancel(inv));
    expect(h.layer.stats().client).toEqual({ invite: 1, nonInvite: 1 });
    h.layer.receive(responseTo(c.req, 200, 'uas'), next);
    h.layer.receive(responseTo(inv, 487, 'uas'), next);
    expect(c.responses.map((r) => r.status)).toEqual([200]);
    expect(i.responses.map((r) => r.status)).toEqual([180, 487]);
  });
});
