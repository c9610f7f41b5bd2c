import { describe, expect, it } from 'vitest';
import { SipRequest, SipResponse } from '../../../src/sip/message/index.js';
import { MessageParseError, parseMessage } from '../../../src/sip/parser/index.js';
import { parseRequest, parseResponse, request, wire } from './fixtures.js';

/** The bytes of `data` with header lines in `lines` left untouched by a change elsewhere. */
function headerLines(data: Buffer): string[] {
  const text = data.toString('latin1');
  return text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n');
}

const sdp =
  'v=0\r\no=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\ns=-\r\n' +
  'c=IN IP4 192.0.2.101\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';

// Odd but legal spellings: they must survive untouched.
const oddLines = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'via:    SIP / 2.0 / UDP pc33.atlanta.example.com ; branch=z9hG4bKnashds8 ;rport',
  'v: SIP/2.0/TCP second.example.com;branch=z9hG4bK2',
  'Max-Forwards:70',
  'TO :\tBob <sip:bob@biloxi.example.com>',
  'f: "Al\\"ice" <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq:   314159    INVITE   ',
  'X-Unknown-Header :  Some  Value;with=odd,,stuff "and quotes\\"  ',
  'Subject: folded,\r\n  across\r\n\tlines',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
  'Content-Type: application/sdp',
  `Content-Length: ${sdp.length}`,
];

describe('byte-exact serialization', () => {
  it('an untouched message reproduces its input bytes exactly, even after typed reads', () => {
    const data = wire(oddLines, sdp);
    const m = parseRequest(data);
    expect(m.toBuffer().equals(data)).toBe(true);
    void m.via;
    void m.from;
    void m.to;
    void m.cseq;
    void m.maxForwards;
    void m.contacts;
    void m.uri;
    expect(m.cseq.seq).toBe(314159);
    expect(m.toBuffer().equals(data)).toBe(true);
  });

  it('an untouched message with LF-only line ends reproduces its bytes', () => {
    const data = Buffer.from(oddLines.join('\n').replace(/\r\n/g, '\n') + '\n\n' + sdp, 'latin1');
    const m = parseRequest(data);
    expect(m.toBuffer().equals(data)).toBe(true);
    expect(m.get('subject')).toBe('folded, across lines');
  });

  it('an untouched response reproduces its bytes, including a reason phrase with odd octets', () => {
    const data = wire([
      'SIP/2.0 200 OK, fine\xe9\xff  ',
      'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8;received=192.0.2.1',
      'To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf',
      'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
      'Call-ID: a84b4c76e66710',
      'CSeq: 314159 INVITE',
      'Content-Length: 0',
    ]);
    const m = parseResponse(data);
    expect(m.status).toBe(200);
    expect(m.reason).toBe('OK, fine\xe9\xff  ');
    expect(m.toBuffer().equals(data)).toBe(true);
  });

  it('keeps every other header byte-exact when one header is modified', () => {
    const data = wire(oddLines, sdp);
    const m = parseRequest(data);
    m.prepend('via', 'SIP/2.0/UDP proxy.example.com;branch=z9hG4bKproxy1');
    m.set('max-forwards', String(m.maxForwards! - 1));
    const out = m.toBuffer();
    const lines = headerLines(out);
    expect(lines[0]).toBe(oddLines[0]);
    expect(lines[1]).toBe('Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKproxy1');
    // The rest are the original lines in order, Max-Forwards replaced in place.
    const expected = oddLines.slice(1).map((l) => (l.startsWith('Max-Forwards') ? 'Max-Forwards: 69' : l));
    expect(lines.slice(2).join('\r\n')).toBe(expected.join('\r\n'));
    expect(out.subarray(out.length - sdp.length).toString('latin1')).toBe(sdp);
    // And it parses back to the same content.
    const again = parseRequest(out);
    expect(again.via.map((v) => v.host)).toEqual([
      'proxy.example.com',
      'pc33.atlanta.example.com',
      'second.example.com',
    ]);
    expect(again.maxForwards).toBe(69);
    expect(again.get('x-unknown-header')).toBe('Some  Value;with=odd,,stuff "and quotes\\"');
  });

  it('regenerates the start line after the Request-URI or method changes', () => {
    const m = parseRequest(request());
    m.uri = 'sip:bob@192.0.2.4:5070;transport=tcp';
    expect(m.toString().startsWith('INVITE sip:bob@192.0.2.4:5070;transport=tcp SIP/2.0\r\n')).toBe(true);
    m.method = 'OPTIONS';
    expect(m.toString().startsWith('OPTIONS sip:bob@192.0.2.4:5070;transport=tcp SIP/2.0\r\n')).toBe(true);
  });

  it('always writes Content-Length, from the body size, when the message has none', () => {
    const built = new SipRequest('OPTIONS', 'sip:b@example.com', []);
    built.append('via', 'SIP/2.0/UDP h.example.com;branch=z9hG4bK1');
    expect(built.toString()).toBe(
      'OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n',
    );
    const withBody = new SipResponse(200, 'OK', [], Buffer.from('hello'));
    expect(withBody.toString()).toBe('SIP/2.0 200 OK\r\nContent-Length: 5\r\n\r\nhello');
    // A datagram without Content-Length gains one once re-serialized.
    const parsed = parseRequest(wire(['MESSAGE sip:b@example.com SIP/2.0', 'Subject: x'], 'abc'));
    expect(parsed.body.toString()).toBe('abc');
    parsed.set('subject', 'y');
    expect(parsed.toString()).toBe(
      'MESSAGE sip:b@example.com SIP/2.0\r\nSubject: y\r\nContent-Length: 3\r\n\r\nabc',
    );
  });

  it('setBody updates Content-Type and Content-Length', () => {
    const m = parseRequest(request());
    m.setBody(Buffer.from(sdp), 'application/sdp');
    const again = parseRequest(m.toBuffer());
    expect(again.get('content-length')).toBe(String(sdp.length));
    expect(again.contentType).toBe('application/sdp');
    expect(again.body.toString()).toBe(sdp);
    expect(again.count('content-length')).toBe(1);
  });

  it('clone is independent of the original', () => {
    const m = parseRequest(request());
    const c = m.clone();
    c.set('max-forwards', '1');
    expect(m.maxForwards).toBe(70);
    expect(c.maxForwards).toBe(1);
  });
});

describe('bodies', () => {
  it('keeps a multipart body with a binary part, NULs and CRLFCRLF inside, byte for byte', () => {
    const binary = Buffer.from([0x00, 0x01, 0x0d, 0x0a, 0x0d, 0x0a, 0xff, 0x00, 0x80, 0x7f, 0x00]);
    const body = Buffer.concat([
      Buffer.from('--boundary42\r\nContent-Type: application/sdp\r\n\r\n' + sdp + '\r\n--boundary42\r\n'),
      Buffer.from('Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n'),
      binary,
      Buffer.from('\r\n--boundary42--\r\n'),
    ]);
    const data = wire(
      [
        'INVITE sip:bob@biloxi.example.com SIP/2.0',
        'Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1',
        'Content-Type: multipart/mixed;boundary=boundary42',
        `Content-Length: ${body.length}`,
      ],
      body,
    );
    const m = parseRequest(data);
    expect(m.body.equals(body)).toBe(true);
    expect(m.toBuffer().equals(data)).toBe(true);
    m.set('subject', 'changed');
    const out = m.toBuffer();
    expect(out.subarray(out.length - body.length).equals(body)).toBe(true);
    expect(parseRequest(out).body.equals(body)).toBe(true);
  });

  it('cuts a datagram body at Content-Length and drops the trailing garbage', () => {
    const data = wire(
      ['MESSAGE sip:b@example.com SIP/2.0', 'Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1', 'l: 4'],
      'abcdGARBAGE\x00\r\n',
    );
    const m = parseRequest(data);
    expect(m.body.toString('latin1')).toBe('abcd');
    const out = m.toBuffer();
    expect(out.toString('latin1').endsWith('\r\n\r\nabcd')).toBe(true);
    expect(out.length).toBe(data.length - 'GARBAGE\x00\r\n'.length);
  });

  it('takes the rest of a datagram as body when Content-Length is absent, but refuses that on a stream', () => {
    const data = wire(['MESSAGE sip:b@example.com SIP/2.0', 'Via: SIP/2.0/UDP h.example.com'], 'hello');
    expect(parseRequest(data).body.toString()).toBe('hello');
    try {
      parseMessage(data, { stream: true });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MessageParseError);
      expect((e as MessageParseError).status).toBe(400);
      expect((e as MessageParseError).partial).toBeInstanceOf(SipRequest);
    }
  });

  it('ends an LF-only header section at the first empty line even if the body holds CRLFCRLF', () => {
    const body = 'abc\r\n\r\ndef';
    const data = Buffer.from(
      `MESSAGE sip:b@example.com SIP/2.0\nVia: SIP/2.0/UDP h.example.com\nContent-Length: ${body.length}\n\n${body}`,
      'latin1',
    );
    const m = parseRequest(data);
    expect(m.body.toString('latin1')).toBe(body);
    expect(m.toBuffer().equals(data)).toBe(true);
  });

  it('refuses a Content-Length larger than the octets received', () => {
    const data = wire(['MESSAGE sip:b@example.com SIP/2.0', 'Content-Length: 10'], 'short');
    expect(() => parseMessage(data)).toThrow(MessageParseError);
  });

  it('refuses invalid, duplicated or oversized Content-Length', () => {
    for (const cl of [['-1'], ['abc'], ['1 2'], ['5', '5'], ['12345678901']]) {
      const data = wire(
        ['MESSAGE sip:b@example.com SIP/2.0', ...cl.map((v) => `Content-Length: ${v}`)],
        'hello',
      );
      expect(() => parseMessage(data), cl.join()).toThrow(MessageParseError);
    }
    const big = wire(['MESSAGE sip:b@example.com SIP/2.0', 'Content-Length: 100'], 'x'.repeat(100));
    try {
      parseMessage(big, { maxBodySize: 50 });
      expect.unreachable();
    } catch (e) {
      expect((e as MessageParseError).status).toBe(413);
    }
  });
});

describe('start lines and framing', () => {
  it('ignores CRLFs before the start line (then rebuilds the bytes)', () => {
    const data = Buffer.concat([Buffer.from('\r\n\r\n'), request()]);
    const m = parseRequest(data);
    expect(m.method).toBe('INVITE');
    expect(m.toBuffer().equals(request())).toBe(true);
  });

  it('accepts the SIP-Version in any case (RFC 3261 §7.1: case-insensitive)', () => {
    const req = parseRequest(wire(['OPTIONS sip:b@example.com sip/2.0', 'Content-Length: 0']));
    expect(req.method).toBe('OPTIONS');
    const res = parseResponse(
      wire(['sip/2.0 200 OK', 'Via: SIP/2.0/UDP h.example.com', 'Content-Length: 0']),
    );
    expect(res.status).toBe(200);
  });

  it('answers an unknown SIP version in a request with 505', () => {
    const data = wire(['INVITE sip:b@example.com SIP/7.0', 'Content-Length: 0']);
    try {
      parseMessage(data);
      expect.unreachable();
    } catch (e) {
      expect((e as MessageParseError).status).toBe(505);
    }
  });

  const badStart = [
    'INVITE  sip:b@example.com SIP/2.0',
    ' INVITE sip:b@example.com SIP/2.0',
    'INVITE sip:b@example.com SIP/2.0 ',
    'INVITE sip:b@example.com',
    'INV@ITE sip:b@example.com SIP/2.0',
    'INVITE sip:b@example.com HTTP/1.1',
    'SIP/2.0 2000 OK',
    'SIP/2.0 20 OK',
    'SIP/2.0 099 Low',
    'SIP/2.0 700 High',
    'SIP/2.0 200OK',
    'SIP/3.0 200 OK',
  ];
  for (const line of badStart) {
    it(`rejects start line ${JSON.stringify(line)}`, () => {
      expect(() => parseMessage(wire([line, 'Content-Length: 0']))).toThrow(MessageParseError);
    });
  }

  it('accepts a status line without reason phrase', () => {
    const m = parseResponse(wire(['SIP/2.0 180', 'Content-Length: 0']));
    expect(m.status).toBe(180);
    expect(m.reason).toBe('');
  });

  it('reports a malformed header line with the partial message', () => {
    try {
      parseMessage(
        wire(['OPTIONS sip:b@example.com SIP/2.0', 'Via: SIP/2.0/UDP h', 'No colon here', 'l: 0']),
      );
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MessageParseError);
      const partial = (e as MessageParseError).partial as SipRequest;
      expect(partial.method).toBe('OPTIONS');
      expect(partial.topVia?.host).toBe('h');
    }
  });

  it('rejects a message without the empty line ending the header section', () => {
    expect(() =>
      parseMessage(Buffer.from('OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h')),
    ).toThrow(MessageParseError);
    expect(() => parseMessage(Buffer.alloc(0))).toThrow(MessageParseError);
    expect(() => parseMessage(Buffer.from('\r\n\r\n'))).toThrow(MessageParseError);
  });
});
