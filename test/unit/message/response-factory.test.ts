import { describe, expect, it } from 'vitest';
import { createResponse, reasonPhrase, SipResponse } from '../../../src/sip/message/index.js';
import { checkResponse } from '../../../src/sip/parser/index.js';
import { parseRequest, parseResponse, wire } from './fixtures.js';

const invite = () =>
  parseRequest(
    wire([
      'INVITE sip:bob@biloxi.example.com SIP/2.0',
      'Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1;received=192.0.2.9, SIP/2.0/UDP a.example.com;branch=z9hG4bK1',
      'Via: SIP/2.0/TCP origin.example.com;branch=z9hG4bK0;rport=5060',
      'Max-Forwards: 69',
      'Record-Route: <sip:proxy.example.com;lr>',
      'To: "Bob" <sip:bob@biloxi.example.com;transport=udp>',
      'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
      'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
      'CSeq: 314159 INVITE',
      'Contact: <sip:alice@192.0.2.101>',
      'Subject: hi',
      'Content-Length: 0',
    ]),
  );

describe('createResponse (RFC 3261 §8.2.6.2)', () => {
  it('copies Via (all values, in order), From, To, Call-ID and CSeq and nothing else', () => {
    const req = invite();
    const res = createResponse(req, 486);
    expect(res).toBeInstanceOf(SipResponse);
    expect(res.status).toBe(486);
    expect(res.reason).toBe('Busy Here');
    expect(res.getAll('via')).toEqual(req.getAll('via'));
    expect(res.via.map((v) => v.branch)).toEqual(['z9hG4bKp1', 'z9hG4bK1', 'z9hG4bK0']);
    expect(res.topVia?.received).toBe('192.0.2.9');
    expect(res.get('from')).toBe(req.get('from'));
    expect(res.callId).toBe(req.callId);
    expect(res.cseq).toEqual({ seq: 314159, method: 'INVITE' });
    expect(res.headers.map((h) => h.key).sort()).toEqual(
      ['call-id', 'cseq', 'from', 'to', 'via', 'via'].sort(),
    );
  });

  it('adds a To tag outside the URI, keeping the rest of To as written', () => {
    const res = createResponse(invite(), 180);
    const to = res.get('to')!;
    expect(to.startsWith('"Bob" <sip:bob@biloxi.example.com;transport=udp>;tag=')).toBe(true);
    expect(res.to.tag).toMatch(/^[0-9a-f]{16}$/);
    expect(res.to.uri.toString()).toBe('sip:bob@biloxi.example.com;transport=udp');
  });

  it('uses the given To tag, and random different ones otherwise', () => {
    expect(createResponse(invite(), 200, 'OK', 'mytag').to.tag).toBe('mytag');
    expect(createResponse(invite(), 200).to.tag).not.toBe(createResponse(invite(), 200).to.tag);
  });

  it('adds no To tag to 100 Trying', () => {
    const res = createResponse(invite(), 100);
    expect(res.reason).toBe('Trying');
    expect(res.get('to')).toBe('"Bob" <sip:bob@biloxi.example.com;transport=udp>');
    expect(res.to.tag).toBeUndefined();
  });

  it('keeps an existing To tag', () => {
    const req = invite();
    req.set('to', '<sip:bob@biloxi.example.com>;tag=existing');
    const res = createResponse(req, 200);
    expect(res.get('to')).toBe('<sip:bob@biloxi.example.com>;tag=existing');
    const spaced = invite();
    spaced.set('to', 'sip:bob@biloxi.example.com ; TAG = x1');
    expect(createResponse(spaced, 200).get('to')).toBe('sip:bob@biloxi.example.com ; TAG = x1');
  });

  it("keeps an existing To tag when a later quoted parameter value contains '>'", () => {
    const req = invite();
    req.set('to', '<sip:bob@biloxi.example.com>;tag=abc;info=">"');
    const res = createResponse(req, 200, 'OK', 'second');
    expect(res.get('to')).toBe('<sip:bob@biloxi.example.com>;tag=abc;info=">"');
    expect(res.to.tag).toBe('abc');
  });

  it("does not take a 'tag' URI parameter inside <> for the To tag", () => {
    const req = invite();
    req.set('to', '<sip:bob@biloxi.example.com;tag=inuri>');
    const res = createResponse(req, 200, 'OK', 'real');
    expect(res.to.tag).toBe('real');
    expect(res.get('to')).toBe('<sip:bob@biloxi.example.com;tag=inuri>;tag=real');
  });

  it('uses the default reason phrases and accepts a custom one', () => {
    expect(createResponse(invite(), 200).reason).toBe(reasonPhrase(200));
    expect(createResponse(invite(), 200).reason).toBe('OK');
    expect(createResponse(invite(), 499).reason).toBe('Error');
    expect(createResponse(invite(), 603, 'Not Today').reason).toBe('Not Today');
  });

  it('serializes with Content-Length 0 and passes the response sanity checks once parsed', () => {
    const res = createResponse(invite(), 200, 'OK', 'abc');
    const text = res.toString();
    expect(text.startsWith('SIP/2.0 200 OK\r\n')).toBe(true);
    expect(text.endsWith('\r\nContent-Length: 0\r\n\r\n')).toBe(true);
    const parsed = parseResponse(res.toBuffer());
    expect(checkResponse(parsed)).toBeUndefined();
    expect(parsed.to.tag).toBe('abc');
    expect(parsed.via).toHaveLength(3);
  });

  it('copies compact-form headers under their written names', () => {
    const req = parseRequest(
      wire([
        'OPTIONS sip:b@example.com SIP/2.0',
        'v: SIP/2.0/UDP h.example.com;branch=z9hG4bK1',
        't: <sip:b@example.com>',
        'f: <sip:a@example.com>;tag=1',
        'i: 9@x',
        'CSeq: 2 OPTIONS',
        'l: 0',
      ]),
    );
    const res = createResponse(req, 200, 'OK', 'z');
    expect(res.toString()).toContain('\r\nt: <sip:b@example.com>;tag=z\r\n');
    expect(res.callId).toBe('9@x');
  });

  it('works when other headers of the request are malformed', () => {
    const req = invite();
    req.set('cseq', 'garbage');
    req.set('from', '<<<');
    const res = createResponse(req, 400);
    expect(res.get('cseq')).toBe('garbage');
    expect(res.get('from')).toBe('<<<');
  });
});
