import { describe, expect, it } from 'vitest';
import { SipRequest } from '../../../src/sip/message/index.js';
import { readHeaderFields } from '../../../src/sip/parser/parse-message.js';
import { parseRequest, wire } from './fixtures.js';

// Odd spellings, folding and an unknown header: what compacting must give back unchanged.
const lines = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8',
  'Max-Forwards:70',
  'TO :\tBob <sip:bob@biloxi.example.com>',
  'f: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Subject: folded,\r\n  across\r\n\tlines',
  'Content-Length: 4',
];

describe('compact()', () => {
  it('a parsed message gives back the same header fields, typed values and bytes after compacting', () => {
    const data = wire(lines, 'abcd');
    const m = parseRequest(data);
    const before = m.headers.map((h) => ({ ...h }));
    const branch = m.topVia?.branch;
    m.compact();
    expect(m.toBuffer().equals(data)).toBe(true);
    expect(m.headers).toEqual(before);
    expect(m.topVia?.branch).toBe(branch);
    expect(m.get('subject')).toBe('folded, across lines');
    expect(m.body.toString()).toBe('abcd');
  });

  it('a change after compacting starts from the fields read back and drops the old bytes', () => {
    const m = parseRequest(wire(lines, 'abcd'));
    m.compact();
    m.uri = 'sip:carol@chicago.example.com';
    m.set('Max-Forwards', '69');
    const text = m.toString();
    expect(text.startsWith('INVITE sip:carol@chicago.example.com SIP/2.0\r\n')).toBe(true);
    expect(m.get('max-forwards')).toBe('69');
    expect(m.callId).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(m.count('via')).toBe(1);
  });

  it('a built message compacts to its serialization and reads it back', () => {
    const m = new SipRequest('BYE', 'sip:bob@biloxi.example.com');
    m.append('Via', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1');
    m.append('Call-ID', 'x@y');
    m.append('CSeq', '2 BYE');
    const bytes = Buffer.from(m.toBuffer());
    m.compact();
    expect(m.get('call-id')).toBe('x@y');
    expect(m.get('content-length')).toBe('0');
    expect(m.toBuffer().equals(bytes)).toBe(true);
  });

  it('a message that was never serialized keeps its fields (nothing to read them back from)', () => {
    const m = new SipRequest('OPTIONS', 'sip:a@b');
    m.append('Call-ID', 'c');
    m.compact();
    expect(m.get('call-id')).toBe('c');
  });

  it('reads back a line that is not a valid header whole, under its raw text', () => {
    const fields = readHeaderFields(
      Buffer.from('SIP/2.0 200 OK\r\nBad Name: v\r\nCall-ID: c\r\n\r\n', 'latin1'),
    );
    expect(fields).toEqual([
      { name: 'Bad Name', key: 'bad name', value: 'v', raw: 'Bad Name: v' },
      { name: 'Call-ID', key: 'call-id', value: 'c' },
    ]);
  });
});
