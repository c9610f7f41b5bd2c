import { describe, expect, it } from 'vitest';
import type { SipMessage } from '../../../src/sip/message/index.js';
import { SipRequest, SipResponse } from '../../../src/sip/message/index.js';
import { parseMessage } from '../../../src/sip/parser/index.js';
import { loadTortureCases } from '../../conformance/torture-corpus.js';
import { parseRequest, parseResponse, request, wire } from './fixtures.js';

/**
 * The wire form written from the header fields alone (the start line, each field's raw line or
 * `Name: value`, Content-Length when absent, the body): what toBuffer must produce whether it
 * copies unchanged lines from the received bytes or writes them.
 */
function fromFields(m: SipMessage): string {
  const start =
    m instanceof SipRequest
      ? `${m.method} ${m.uriText} ${m.version}`
      : `${(m as SipResponse).version} ${(m as SipResponse).status} ${(m as SipResponse).reason}`;
  const lines = [start, ...m.headers.map((h) => h.raw ?? `${h.name}: ${h.value}`)];
  if (!m.has('content-length')) lines.push(`Content-Length: ${m.body.length}`);
  return `${lines.join('\r\n')}\r\n\r\n${m.body.toString('latin1')}`;
}

/** What a proxy does to a request it forwards (RFC 3261 §16.6) and to a response (§16.7). */
const proxyEdits: Array<[string, (m: SipMessage) => void]> = [
  ['new top Via', (m) => m.prepend('via', 'SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1;rport')],
  ['Max-Forwards', (m) => m.set('max-forwards', '69')],
  ['Record-Route', (m) => m.prepend('record-route', '<sip:proxy.example.com;lr>')],
  ['Route removed', (m) => m.remove('route')],
  ['top Via removed', (m) => void m.removeFirstValue('via')],
  ['header appended', (m) => m.append('x-added', 'yes')],
  ['middle header removed', (m) => m.remove('call-id')],
  ['body set', (m) => m.setBody(Buffer.from('v=0\r\n'), 'application/sdp')],
];

const lines = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8',
  'v: SIP/2.0/UDP second.example.com;branch=z9hG4bK2, SIP/2.0/UDP third.example.com;branch=z9hG4bK3',
  'Route: <sip:proxy.example.com;lr>',
  'Max-Forwards:70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'f: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710',
  'CSeq: 314159 INVITE',
  'Subject: folded,\r\n  across\r\n\tlines',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
  'Content-Length: 4',
];

describe('an edited message copies its unchanged lines from the received bytes', () => {
  it('writes the edited headers and keeps every other line as received, in order', () => {
    const m = parseRequest(wire(lines, 'body'));
    m.uri = 'sip:bob@192.0.2.4';
    m.prepend('via', 'SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1');
    m.set('max-forwards', '69');
    m.prepend('record-route', '<sip:proxy.example.com;lr>');
    m.remove('route');
    expect(m.toString()).toBe(
      [
        'INVITE sip:bob@192.0.2.4 SIP/2.0',
        'Record-Route: <sip:proxy.example.com;lr>',
        'Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1',
        lines[1],
        lines[2],
        'Max-Forwards: 69',
        ...lines.slice(5),
        '',
        'body',
      ].join('\r\n'),
    );
  });

  it('a response loses its top Via value, the rest of a list line and every other line kept', () => {
    const data = wire([
      'SIP/2.0 180 Ringing',
      'v: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1, SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK1',
      'To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf',
      'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
      'Call-ID: a84b4c76e66710',
      'CSeq: 314159 INVITE',
      'l: 0',
    ]);
    const m = parseResponse(data);
    expect(m.removeFirstValue('via')).toBe('SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1');
    expect(m.toString()).toBe(
      data.toString('latin1').replace('SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1, ', ''),
    );
    expect(m.topVia?.host).toBe('pc33.atlanta.example.com');
  });

  it('adds Content-Length after the copied lines when the datagram had none', () => {
    const m = parseRequest(
      wire(['MESSAGE sip:b@example.com SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1'], 'abc'),
    );
    m.prepend('via', 'SIP/2.0/UDP p;branch=z9hG4bK2');
    expect(m.toString()).toBe(
      'MESSAGE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP p;branch=z9hG4bK2\r\n' +
        'Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nContent-Length: 3\r\n\r\nabc',
    );
  });

  it('a clone edited leaves the original and its bytes as they were, and the other way round', () => {
    const data = wire(lines, 'body');
    const original = parseRequest(data);
    const copy = original.clone();
    copy.set('max-forwards', '69');
    copy.prepend('via', 'SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1');
    expect(original.toBuffer().equals(data)).toBe(true);
    expect(original.maxForwards).toBe(70);
    original.removeFirstValue('via');
    original.append('x-late', '1');
    expect(copy.toString()).toBe(fromFields(copy));
    expect(copy.toString()).toContain(`${lines[1]}\r\n`);
    expect(original.toString()).toBe(fromFields(original));
    expect(original.toString()).not.toContain(lines[1]);
  });

  it('writes lines moved out of their received order from their text', () => {
    const m = parseRequest(wire(lines, 'body'));
    m.headers = [...m.headers].reverse();
    m.append('x-added', 'yes');
    expect(m.toString()).toBe(fromFields(m));
    const again = parseRequest(m.toBuffer());
    expect(again.headers.map((h) => h.key)).toEqual(m.headers.map((h) => h.key));
  });

  it('writes a message read with LF-only line ends from its text, each line ending in CRLF', () => {
    const data = Buffer.from(`${lines.join('\n').replace(/\r\n/g, '\n')}\n\nbody`, 'latin1');
    const m = parseRequest(data);
    m.set('max-forwards', '69');
    expect(m.toString()).toBe(fromFields(m));
    expect(m.toString()).toContain('\r\nMax-Forwards: 69\r\nTo: Bob <sip:bob@biloxi.example.com>\r\n');
  });

  it('serializes again after a second round of edits (retransmitted bytes first, then the new ones)', () => {
    const m = parseRequest(wire(lines, 'body'));
    m.set('max-forwards', '69');
    const first = m.toBuffer();
    expect(m.toBuffer()).toBe(first);
    m.prepend('via', 'SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1');
    expect(m.toString()).toBe(fromFields(m));
    expect(m.toString()).toContain('Max-Forwards: 69\r\n');
  });

  for (const [what, edit] of proxyEdits) {
    it(`writes what the fields say after "${what}" on every RFC 4475 message that parses`, () => {
      let checked = 0;
      for (const c of loadTortureCases()) {
        let m: SipMessage;
        try {
          m = parseMessage(c.data);
        } catch {
          continue;
        }
        try {
          edit(m);
        } catch {
          continue; // e.g. a Via that does not parse
        }
        expect(m.toString(), c.file).toBe(fromFields(m));
        const again = parseMessage(m.toBuffer());
        expect(
          again.headers.map((h) => h.value),
          c.file,
        ).toEqual(
          m.headers.map((h) => h.value).concat(m.has('content-length') ? [] : [String(m.body.length)]),
        );
        checked++;
      }
      expect(checked).toBeGreaterThan(20);
    });
  }

  it('keeps the mandatory-header fixture byte-exact apart from the edit', () => {
    const data = request(['Subject: x']);
    const m = parseRequest(data);
    m.set('subject', 'y');
    expect(m.toString()).toBe(data.toString('latin1').replace('Subject: x', 'Subject: y'));
    const built = new SipResponse(200, 'OK');
    built.append('via', 'SIP/2.0/UDP h');
    expect(built.toString()).toBe(fromFields(built));
  });
});
