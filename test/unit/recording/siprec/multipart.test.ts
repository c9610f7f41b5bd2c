import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildMultipart,
  MultipartError,
  parseMultipart,
  splitSiprecBody,
} from '../../../../src/recording/siprec/index.js';

const SDP =
  'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=label:1\r\n';
const XML = '<?xml version="1.0"?><recording xmlns="urn:ietf:params:xml:ns:recording:1"/>';

function wire(lines: string[], eol = '\r\n'): Buffer {
  return Buffer.from(lines.join(eol), 'latin1');
}

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MultipartError);
    return (err as MultipartError).code;
  }
  return 'accepted';
};

describe('parseMultipart', () => {
  // RFC 7866 §9-style body, with a preamble and an epilogue that must be ignored.
  const body = wire([
    'This is a preamble.',
    '--foobar',
    'Content-Type: application/sdp',
    '',
    'v=0',
    'm=audio 4000 RTP/AVP 0',
    '--foobar',
    'content-type: application/rs-metadata+xml',
    'Content-Disposition: recording-session',
    'Content-ID: <meta@src.example>',
    '',
    XML,
    '--foobar--',
    'epilogue',
  ]);

  it('splits the parts with their headers (any case) and bodies, CRLF before a delimiter excluded', () => {
    const parts = parseMultipart('multipart/mixed;boundary=foobar', body);
    expect(parts).toHaveLength(2);
    expect(parts[0]!.mediaType).toBe('application/sdp');
    expect(parts[0]!.body.toString()).toBe('v=0\r\nm=audio 4000 RTP/AVP 0');
    expect(parts[1]!.headers.get('CONTENT-TYPE')).toBe('application/rs-metadata+xml');
    expect(parts[1]!.contentDisposition).toBe('recording-session');
    expect(parts[1]!.contentId).toBe('<meta@src.example>');
    expect(parts[1]!.body.toString()).toBe(XML);
  });

  it('accepts a quoted boundary with spaces and other parameters, and bare LF line ends', () => {
    const lf = wire(['--a b:c', 'Content-Type: text/plain', '', 'hello', '--a b:c--'], '\n');
    const parts = parseMultipart('Multipart/Mixed; charset=x; boundary="a b:c"', lf);
    expect(parts.map((p) => p.body.toString())).toEqual(['hello']);
  });

  it('a part with no headers is text/plain; a boundary prefix inside a line is not a delimiter', () => {
    const b = wire(['--xyz', '', 'body --xyz not at line start', '--xyzzy is not the delimiter', '--xyz--']);
    const parts = parseMultipart('multipart/mixed; boundary=xyz', b);
    expect(parts).toHaveLength(1);
    expect(parts[0]!.mediaType).toBe('text/plain');
    expect(parts[0]!.body.toString()).toBe('body --xyz not at line start\r\n--xyzzy is not the delimiter');
  });

  it('parses a nested multipart within the depth limit and refuses deeper', () => {
    const inner = buildMultipart([{ contentType: 'application/sdp', body: SDP }], { boundary: 'inner' });
    const outer = buildMultipart([{ contentType: inner.contentType, body: inner.body }], {
      boundary: 'outer',
    });
    const parts = parseMultipart(outer.contentType, outer.body);
    expect(parts[0]!.parts?.[0]?.body.toString()).toBe(SDP);
    expect(code(() => parseMultipart(outer.contentType, outer.body, { maxDepth: 1 }))).toBe('too-deep');
  });

  it('reports each malformation with its code', () => {
    expect(code(() => parseMultipart('application/sdp', body))).toBe('not-multipart');
    expect(code(() => parseMultipart('multipart/mixed', body))).toBe('no-boundary');
    expect(code(() => parseMultipart('multipart/mixed;boundary=', body))).toBe('no-boundary');
    expect(code(() => parseMultipart(`multipart/mixed;boundary=${'x'.repeat(71)}`, body))).toBe(
      'bad-boundary',
    );
    expect(code(() => parseMultipart('multipart/mixed;boundary=other', body))).toBe('no-opening-delimiter');
    expect(code(() => parseMultipart('multipart/mixed;boundary=b', wire(['--b', '', 'x'])))).toBe(
      'no-closing-delimiter',
    );
    const many = wire([...Array.from({ length: 17 }, () => ['--b', '', 'x']).flat(), '--b--']);
    expect(code(() => parseMultipart('multipart/mixed;boundary=b', many))).toBe('too-many-parts');
    const fat = wire(['--b', `X-Big: ${'y'.repeat(9000)}`, '', 'x', '--b--']);
    expect(code(() => parseMultipart('multipart/mixed;boundary=b', fat))).toBe('headers-too-large');
    expect(
      code(() =>
        parseMultipart('multipart/mixed;boundary=b', wire(['--b', 'no colon here', '', 'x', '--b--'])),
      ),
    ).toBe('malformed-header');
  });

  it('error messages say what is wrong', () => {
    expect(() => parseMultipart('multipart/mixed', body)).toThrow('has no boundary parameter');
    expect(() => parseMultipart('multipart/mixed;boundary=b', wire(['--b', '', 'x']))).toThrow(
      'no closing "--b--" delimiter',
    );
  });

  it('never throws anything but MultipartError on arbitrary input (property)', () => {
    const fragments = fc.constantFrom(
      '--b',
      '--b--',
      '\r\n',
      '\n',
      '\r',
      'Content-Type: a/b',
      ':',
      ' ',
      'x',
      '--',
      '\t',
    );
    const bodyArb = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
      fc.array(fragments, { maxLength: 60 }).map((a) => Buffer.from(a.join(''), 'latin1')),
    );
    const ctArb = fc.oneof(
      fc.constant('multipart/mixed;boundary=b'),
      fc.constant('multipart/mixed; boundary="b"'),
      fc.string({ maxLength: 60 }),
    );
    fc.assert(
      fc.property(ctArb, bodyArb, (ct, b) => {
        try {
          parseMultipart(ct, b, { maxParts: 8 });
        } catch (err) {
          if (!(err instanceof MultipartError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('build → parse round-trips any bodies (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 5 }), (bodies) => {
        const built = buildMultipart(
          bodies.map((b) => ({ contentType: 'application/octet-stream', body: Buffer.from(b) })),
        );
        const parts = parseMultipart(built.contentType, built.body);
        expect(parts.map((p) => [...p.body])).toEqual(bodies.map((b) => [...b]));
      }),
      { numRuns: 300 },
    );
  });
});

describe('splitSiprecBody', () => {
  it('picks the SDP and the metadata out of the multipart', () => {
    const built = buildMultipart([
      { contentType: 'application/sdp', body: SDP },
      { contentType: 'application/rs-metadata+xml', contentDisposition: 'recording-session', body: XML },
    ]);
    const out = splitSiprecBody(built.contentType, built.body);
    expect(out.sdp).toBe(SDP);
    expect(out.metadata?.toString()).toBe(XML);
  });

  it('accepts a lone SDP or lone metadata body, and an empty body', () => {
    expect(splitSiprecBody('application/sdp', Buffer.from(SDP))).toEqual({ sdp: SDP });
    expect(splitSiprecBody('application/rs-metadata+xml', Buffer.from(XML)).metadata?.toString()).toBe(XML);
    expect(splitSiprecBody(undefined, Buffer.alloc(0))).toEqual({});
    expect(code(() => splitSiprecBody('text/html', Buffer.from('<p/>')))).toBe('not-multipart');
  });
});
