import { describe, expect, it } from 'vitest';
import {
  canonicalHeaderName,
  headerKey,
  isListHeader,
  MAX_CSEQ,
  parseCSeq,
  SipParseError,
  type SipRequest,
} from '../../../src/sip/message/index.js';
import { checkRequest } from '../../../src/sip/parser/index.js';
import { parseRequest, request, wire } from './fixtures.js';

describe('CSeq (RFC 3261 §20.16, §8.1.1.5)', () => {
  it('parses number and method, tolerating LWS', () => {
    expect(parseCSeq('4711 INVITE')).toEqual({ seq: 4711, method: 'INVITE' });
    expect(parseCSeq('  1 \t ACK  ')).toEqual({ seq: 1, method: 'ACK' });
    expect(parseCSeq('0 REGISTER')).toEqual({ seq: 0, method: 'REGISTER' });
    expect(parseCSeq('8 NEWMETHOD-x.y')).toEqual({ seq: 8, method: 'NEWMETHOD-x.y' });
  });

  it('reads leading zeros and refuses what is not number SP method', () => {
    expect(parseCSeq('000 ACK')).toEqual({ seq: 0, method: 'ACK' });
    expect(parseCSeq('00000000000042 BYE')).toEqual({ seq: 42, method: 'BYE' });
    expect(() => parseCSeq('1 ')).toThrow('CSeq: missing space before method');
    expect(() => parseCSeq('1  ')).toThrow('CSeq: missing space before method');
    expect(() => parseCSeq('x INVITE')).toThrow('CSeq: invalid sequence number "x INVITE"');
    expect(() => parseCSeq('1 INV<ITE')).toThrow('CSeq: invalid method');
  });

  it('accepts 2^31-1 and refuses 2^31 and above', () => {
    expect(MAX_CSEQ).toBe(2147483647);
    expect(parseCSeq('2147483647 INVITE').seq).toBe(2147483647);
    for (const n of ['2147483648', '4294967295', '4294967296', '99999999999', '1'.repeat(40)]) {
      expect(() => parseCSeq(`${n} INVITE`), n).toThrow(SipParseError);
    }
  });

  const invalid = [
    '',
    'INVITE',
    '1',
    '1 ',
    '-1 INVITE',
    '+1 INVITE',
    '1.5 INVITE',
    '1 INV ITE',
    '1 INVITE;x',
    'x1 INVITE',
  ];
  for (const value of invalid) {
    it(`rejects ${JSON.stringify(value)}`, () => {
      expect(() => parseCSeq(value)).toThrow(SipParseError);
    });
  }

  it('is checked against the request method by checkRequest', () => {
    const m = parseRequest(
      wire([
        'INVITE sip:bob@biloxi.example.com SIP/2.0',
        'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8',
        'To: <sip:bob@biloxi.example.com>',
        'From: <sip:alice@atlanta.example.com>;tag=1',
        'Call-ID: 1@x',
        'CSeq: 1 ACK',
        'Content-Length: 0',
      ]),
    );
    expect(checkRequest(m)?.status).toBe(400);
  });

  it('sees a new value after set()', () => {
    const m = parseRequest(request());
    expect(m.cseq.seq).toBe(314159);
    m.set('cseq', '314160 INVITE');
    expect(m.cseq).toEqual({ seq: 314160, method: 'INVITE' });
  });
});

describe('Max-Forwards (RFC 3261 §20.22)', () => {
  const mf = (value: string) => parseRequest(withMf(value)).maxForwards;
  function withMf(value: string): Buffer {
    return wire([
      'OPTIONS sip:bob@biloxi.example.com SIP/2.0',
      'Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1',
      `Max-Forwards: ${value}`,
      'Content-Length: 0',
    ]);
  }

  it('accepts 0 to 255', () => {
    expect(mf('0')).toBe(0);
    expect(mf('70')).toBe(70);
    expect(mf('255')).toBe(255);
  });

  for (const bad of ['256', '-1', '1 2', 'seventy', '70a', '4294967366', '']) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      expect(() => mf(bad)).toThrow(SipParseError);
    });
  }

  it('is undefined when absent and follows set()', () => {
    const m = parseRequest(wire(['OPTIONS sip:b@example.com SIP/2.0', 'Content-Length: 0']));
    expect(m.maxForwards).toBeUndefined();
    m.set('Max-Forwards', '69');
    expect(m.maxForwards).toBe(69);
    expect(m.toString()).toContain('\r\nMax-Forwards: 69\r\n');
  });
});

describe('header names', () => {
  it('expands the compact forms of RFC 3261 §7.3.3 and later RFCs', () => {
    const forms: Record<string, string> = {
      v: 'via',
      f: 'from',
      t: 'to',
      i: 'call-id',
      m: 'contact',
      l: 'content-length',
      c: 'content-type',
      k: 'supported',
      s: 'subject',
      e: 'content-encoding',
      o: 'event',
      r: 'refer-to',
      u: 'allow-events',
      b: 'referred-by',
      x: 'session-expires',
      a: 'accept-contact',
      j: 'reject-contact',
      d: 'request-disposition',
      y: 'identity',
      n: 'identity-info',
    };
    for (const [compact, full] of Object.entries(forms)) {
      expect(headerKey(compact)).toBe(full);
      expect(headerKey(compact.toUpperCase())).toBe(full);
    }
    expect(headerKey('q')).toBe('q'); // unassigned letters stay as they are
    expect(headerKey('CaLL-iD')).toBe('call-id');
  });

  it('writes canonical spellings for created headers', () => {
    expect(canonicalHeaderName('call-id')).toBe('Call-ID');
    expect(canonicalHeaderName('cseq')).toBe('CSeq');
    expect(canonicalHeaderName('www-authenticate')).toBe('WWW-Authenticate');
    expect(canonicalHeaderName('max-forwards')).toBe('Max-Forwards');
    expect(canonicalHeaderName('min-se')).toBe('Min-SE'); // RFC 4028: SIPp matches it case-sensitively
    expect(canonicalHeaderName('rseq')).toBe('RSeq');
    expect(canonicalHeaderName('x-custom-thing')).toBe('X-Custom-Thing');
  });

  it('knows which headers are comma-separated lists', () => {
    for (const k of ['via', 'route', 'record-route', 'contact', 'supported', 'allow']) {
      expect(isListHeader(k)).toBe(true);
    }
    for (const k of ['from', 'to', 'call-id', 'subject', 'authorization', 'date', 'www-authenticate']) {
      expect(isListHeader(k)).toBe(false);
    }
  });

  it('reads a message written entirely in compact forms', () => {
    const body = 'v=0\r\n';
    const m = parseRequest(
      wire(
        [
          'INVITE sip:bob@biloxi.example.com SIP/2.0',
          'v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8',
          't: <sip:bob@biloxi.example.com>',
          'f: <sip:alice@atlanta.example.com>;tag=88',
          'i: compact@x',
          'CSeq: 7 INVITE',
          'm: <sip:alice@192.0.2.1>',
          'k: 100rel, timer',
          's: lunch',
          'c: application/sdp',
          'o: presence',
          'l: 5',
        ],
        body,
      ),
    );
    expect(m.topVia?.host).toBe('pc33.atlanta.example.com');
    expect(m.to.tag).toBeUndefined();
    expect(m.from.tag).toBe('88');
    expect(m.callId).toBe('compact@x');
    expect(m.get('Call-ID')).toBe('compact@x');
    expect(m.get('I')).toBe('compact@x');
    expect(m.getAll('supported')).toEqual(['100rel', 'timer']);
    expect(m.get('subject')).toBe('lunch');
    expect(m.contentType).toBe('application/sdp');
    expect(m.get('event')).toBe('presence');
    expect(m.body.toString()).toBe(body);
    expect(checkRequest(m)).toBeUndefined();
    // Names are kept as written.
    expect(m.headers.map((h) => h.name)).toEqual(['v', 't', 'f', 'i', 'CSeq', 'm', 'k', 's', 'c', 'o', 'l']);
  });

  it('matches header names case-insensitively', () => {
    const m = parseRequest(
      wire(['OPTIONS sip:b@example.com SIP/2.0', 'cAlL-iD: 1@x', 'VIA: SIP/2.0/UDP h', 'l: 0']),
    );
    expect(m.callId).toBe('1@x');
    expect(m.via).toHaveLength(1);
  });
});

describe('header values and line folding (RFC 3261 §7.3.1)', () => {
  it('trims the value and allows no space after the colon or space before it', () => {
    const m = parseRequest(request(['Subject:lunch', 'X-A   :   spaced   ', 'X-Empty:']));
    expect(m.get('subject')).toBe('lunch');
    expect(m.get('x-a')).toBe('spaced');
    expect(m.get('x-empty')).toBe('');
  });

  it('joins folded lines with a single space', () => {
    const m = parseRequest(
      request(["Subject: I know you're there,", '         pick up the phone', '\t   and talk to me!']),
    );
    expect(m.get('subject')).toBe("I know you're there, pick up the phone and talk to me!");
  });

  it('folds list headers too', () => {
    const m = parseRequest(
      request([
        'Route: <sip:p1.example.com;lr>,',
        '  <sip:p2.example.com;lr>',
        'Route: <sip:p3.example.com;lr>',
      ]),
    );
    expect(m.routes.map((r) => r.uri.toString())).toEqual([
      'sip:p1.example.com;lr',
      'sip:p2.example.com;lr',
      'sip:p3.example.com;lr',
    ]);
  });

  it('a folded header stays byte-exact when another header changes', () => {
    const folded = "Subject: I know you're there,\r\n         pick up the phone\r\n\t and talk to me!";
    const m = parseRequest(request([folded]));
    m.set('max-forwards', '69');
    expect(m.toString()).toContain(`\r\n${folded}\r\n`);
  });

  it('treats comma-separated values and separate lines alike for list headers', () => {
    const combined = parseRequest(request(['Record-Route: <sip:a.example.com;lr>, <sip:b.example.com;lr>']));
    const separate = parseRequest(
      request(['Record-Route: <sip:a.example.com;lr>', 'Record-Route: <sip:b.example.com;lr>']),
    );
    expect(combined.getAll('record-route')).toEqual(separate.getAll('record-route'));
    expect(combined.recordRoutes.map((r) => r.uri.toString())).toEqual(
      separate.recordRoutes.map((r) => r.uri.toString()),
    );
    expect(combined.count('record-route')).toBe(1);
    expect(separate.count('record-route')).toBe(2);
  });

  it('does not split commas inside <> or quoted strings', () => {
    const m = parseRequest(
      request([
        'Route: "a, b" <sip:p1.example.com;lr;x=1,2>, <sip:p2.example.com;lr>',
        'Allow: INVITE,ACK ,, BYE',
      ]),
    );
    expect(m.getAll('route')).toEqual(['"a, b" <sip:p1.example.com;lr;x=1,2>', '<sip:p2.example.com;lr>']);
    expect(m.getAll('allow')).toEqual(['INVITE', 'ACK', 'BYE']);
  });

  it('does not split non-list headers on commas', () => {
    const m = parseRequest(
      request([
        'Subject: one, two',
        'Authorization: Digest username="alice", realm="atlanta.com", nonce="84a4cc6f"',
        'Subject: three',
      ]),
    );
    expect(m.getAll('subject')).toEqual(['one, two', 'three']);
    expect(m.getAll('authorization')).toHaveLength(1);
  });

  it('rejects From/To/Call-ID/CSeq/Max-Forwards repeated (checkRequest)', () => {
    for (const extra of [
      'From: <sip:x@example.com>;tag=2',
      'Call-ID: 2@x',
      'CSeq: 1 INVITE',
      'Max-Forwards: 5',
    ]) {
      expect(checkRequest(parseRequest(request([extra])))?.status, extra).toBe(400);
    }
  });
});

describe('set, append, prepend, remove', () => {
  const names = (m: SipRequest) => m.headers.map((h) => h.key);

  it('set replaces every line of that name by one at the first position', () => {
    const m = parseRequest(request(['X-A: 1', 'X-B: b', 'x-a: 2']));
    m.set('X-A', '3');
    expect(m.getAll('x-a')).toEqual(['3']);
    const keys = names(m);
    expect(keys.indexOf('x-a')).toBeLessThan(keys.indexOf('x-b'));
    expect(m.headers.find((h) => h.key === 'x-a')?.name).toBe('X-A');
  });

  it('set adds a missing header at the end', () => {
    const m = parseRequest(request());
    m.set('subject', 'new');
    expect(names(m).at(-1)).toBe('subject');
    expect(m.toString()).toContain('\r\nSubject: new\r\n');
  });

  it('append adds after everything, prepend above the first of its name', () => {
    const m = parseRequest(request(['Route: <sip:r1.example.com;lr>']));
    m.append('route', '<sip:r2.example.com;lr>');
    m.prepend('route', '<sip:r0.example.com;lr>');
    expect(m.routes.map((r) => r.uri.toString())).toEqual([
      'sip:r0.example.com;lr',
      'sip:r1.example.com;lr',
      'sip:r2.example.com;lr',
    ]);
    m.prepend('record-route', '<sip:rr.example.com;lr>');
    expect(names(m)[0]).toBe('record-route');
  });

  it('prepend with a compact name writes the canonical name', () => {
    const m = parseRequest(request());
    m.prepend('v', 'SIP/2.0/TCP p.example.com;branch=z9hG4bKp');
    expect(m.toString()).toContain('\r\nVia: SIP/2.0/TCP p.example.com;branch=z9hG4bKp\r\nVia: ');
  });

  it('remove drops every line and clears the cached value', () => {
    const m = parseRequest(request(['Route: <sip:r1.example.com;lr>', 'Route: <sip:r2.example.com;lr>']));
    expect(m.routes).toHaveLength(2);
    m.remove('ROUTE');
    expect(m.has('route')).toBe(false);
    expect(m.routes).toEqual([]);
  });

  it('the typed accessors follow changes', () => {
    const m = parseRequest(request());
    expect(m.from.tag).toBe('1928301774');
    m.set('f', '<sip:carol@chicago.example.com>;tag=new');
    expect(m.from.tag).toBe('new');
    expect(m.to.tag).toBeUndefined();
    m.set('to', '<sip:bob@biloxi.example.com>;tag=t');
    expect(m.to.tag).toBe('t');
  });

  it('missing mandatory headers throw SipParseError from the accessors', () => {
    const m = parseRequest(wire(['OPTIONS sip:b@example.com SIP/2.0', 'Content-Length: 0']));
    expect(() => m.from).toThrow(SipParseError);
    expect(() => m.to).toThrow(SipParseError);
    expect(() => m.callId).toThrow(SipParseError);
    expect(() => m.cseq).toThrow(SipParseError);
    expect(m.via).toEqual([]);
    expect(m.topVia).toBeUndefined();
    expect(m.contacts).toEqual([]);
  });
});
