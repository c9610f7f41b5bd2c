import { describe, expect, it } from 'vitest';
import { type FrameEvent, StreamFramer } from '../../src/sip/parser/stream-framer.js';

function message(body: string | Buffer = '', lengthHeader?: string): Buffer {
  const content = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  const head = [
    'OPTIONS sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK776asdhds',
    'Call-ID: a84b4c76e66710',
    'CSeq: 1 OPTIONS',
    lengthHeader ?? `Content-Length: ${content.length}`,
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head + '\r\n\r\n', 'latin1'), content]);
}

function messages(events: FrameEvent[]): Buffer[] {
  return events.flatMap((e) => (e.kind === 'message' ? [e.data] : []));
}

function errorOf(events: FrameEvent[]): string | undefined {
  const e = events.find((x) => x.kind === 'error');
  return e?.kind === 'error' ? `${e.reason}: ${e.detail}` : undefined;
}

describe('StreamFramer', () => {
  it('frames a single message', () => {
    const m = message('v=0\r\n');
    const events = new StreamFramer().push(m);
    expect(messages(events)).toEqual([m]);
  });

  it('hands out a message without copying when it came in one chunk', () => {
    const m = message('hello');
    const [event] = new StreamFramer().push(m);
    expect(event?.kind === 'message' && event.data.buffer).toBe(m.buffer);
  });

  it('frames two messages in one chunk', () => {
    const a = message('first');
    const b = message('second body');
    const events = new StreamFramer().push(Buffer.concat([a, b]));
    expect(messages(events)).toEqual([a, b]);
  });

  it('frames messages arriving one byte at a time', () => {
    const a = message('abc');
    const b = message();
    const all = Buffer.concat([a, b]);
    const framer = new StreamFramer();
    const out: Buffer[] = [];
    for (let i = 0; i < all.length; i++) out.push(...messages(framer.push(all.subarray(i, i + 1))));
    expect(out).toEqual([a, b]);
    expect(framer.buffered).toBe(0);
  });

  it('keeps delivered messages intact while more bytes arrive', () => {
    const a = message('aaaa');
    const b = message('bbbb');
    const all = Buffer.concat([a, b]);
    const framer = new StreamFramer();
    const out: Buffer[] = [];
    // Split so that the first message completes inside the framer's own store, with bytes after it.
    out.push(...messages(framer.push(all.subarray(0, 10))));
    out.push(...messages(framer.push(all.subarray(10, a.length + 7))));
    for (let i = a.length + 7; i < all.length; i++)
      out.push(...messages(framer.push(all.subarray(i, i + 1))));
    expect(out).toEqual([a, b]);
  });

  it('reports a CRLFCRLF ping and skips lone CRLFs (RFC 5626 §3.5.1)', () => {
    const m = message();
    const framer = new StreamFramer();
    const events = framer.push(Buffer.concat([Buffer.from('\r\n\r\n'), m, Buffer.from('\r\n'), m]));
    expect(events.map((e) => e.kind)).toEqual(['ping', 'message', 'message']);
    expect(framer.push(Buffer.from('\r\n')).length).toBe(0);
    expect(framer.push(Buffer.from('\r\n')).map((e) => e.kind)).toEqual(['ping']);
  });

  it('reads the compact form and LWS around the colon', () => {
    const m = message('12345', 'l : 5');
    expect(messages(new StreamFramer().push(m))).toEqual([m]);
    const upper = message('123', 'CONTENT-LENGTH\t:   3  ');
    expect(messages(new StreamFramer().push(upper))).toEqual([upper]);
  });

  it('only reads Content-Length at the start of a header line', () => {
    const m = message('xy', 'Subject: Content-Length: 999\r\nContent-Length: 2');
    expect(messages(new StreamFramer().push(m))).toEqual([m]);
  });

  it('accepts a repeated but equal Content-Length', () => {
    const m = message('xy', 'Content-Length: 2\r\nl: 2');
    expect(messages(new StreamFramer().push(m))).toEqual([m]);
  });

  it('carries a binary body with NUL, CR and LF octets exactly', () => {
    const body = Buffer.from([0, 13, 10, 13, 10, 0, 255, 1, 0]);
    const m = message(body);
    const [event] = new StreamFramer().push(Buffer.concat([m, Buffer.from('\r\n\r\n')]));
    expect(event?.kind === 'message' && event.data).toEqual(m);
  });

  it.each([
    ['missing', 'Max-Forwards: 70', 'framing: missing Content-Length'],
    ['negative', 'Content-Length: -1', 'framing: negative Content-Length'],
    ['non-numeric', 'Content-Length: 1x', 'framing: invalid Content-Length'],
    ['empty', 'Content-Length: ', 'framing: invalid Content-Length'],
    ['two numbers', 'Content-Length: 1 2', 'framing: invalid Content-Length'],
    ['absurd', 'Content-Length: 99999999999999999999', 'framing: Content-Length too large'],
    ['conflicting', 'Content-Length: 0\r\nl: 4', 'framing: conflicting Content-Length values'],
    ['over the message limit', 'Content-Length: 70000', 'oversize: message too large'],
  ])('fails on a %s Content-Length', (_name, header, expected) => {
    const framer = new StreamFramer();
    const events = framer.push(message('', header));
    expect(errorOf(events)).toBe(expected);
    expect(framer.failed).toBe(true);
    expect(framer.push(message())).toEqual([]);
  });

  it('gives the header section as head of an oversize message', () => {
    const m = message('', 'Content-Length: 100');
    const events = new StreamFramer({ maxMessageSize: 120 }).push(m);
    const error = events[0];
    expect(error?.kind === 'error' && error.reason).toBe('oversize');
    expect(error?.kind === 'error' && error.head.toString('latin1')).toBe(m.toString('latin1'));
  });

  it('fails on a header section over the limit', () => {
    const big = message('', 'X-Big: ' + 'a'.repeat(2000) + '\r\nContent-Length: 0');
    expect(errorOf(new StreamFramer({ maxHeaderSize: 1024 }).push(big))).toBe(
      'framing: header section too large',
    );
    // Same when it trickles in: the limit is checked before the empty line is seen.
    const framer = new StreamFramer({ maxHeaderSize: 1024 });
    let error: string | undefined;
    for (let i = 0; i < big.length && !error; i += 7) error = errorOf(framer.push(big.subarray(i, i + 7)));
    expect(error).toBe('framing: header section too large');
  });

  it('gives up quickly on 1 MB of garbage without an empty line', () => {
    const garbage = Buffer.alloc(1024 * 1024, 'A');
    for (let i = 100; i < garbage.length; i += 100) garbage[i] = 0x0a; // lines, but never an empty one
    const framer = new StreamFramer();
    const started = performance.now();
    let error: string | undefined;
    for (let i = 0; i < garbage.length && !error; i += 1000) {
      error = errorOf(framer.push(garbage.subarray(i, i + 1000)));
    }
    expect(error).toBe('framing: header section too large');
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('stays linear when a large message arrives one byte per chunk', () => {
    // 512 KiB of headers and of body, byte by byte: rescanning or re-concatenating from the start
    // would cost ~10^11 octet operations; a linear framer takes well under a second.
    const size = 512 * 1024;
    const head =
      'MESSAGE sip:a@b SIP/2.0\r\nX-Pad: ' + 'p'.repeat(size) + `\r\nContent-Length: ${size}\r\n\r\n`;
    const m = Buffer.concat([Buffer.from(head, 'latin1'), Buffer.alloc(size, 0x41)]);
    const chunks = Array.from({ length: m.length }, (_, i) => m.subarray(i, i + 1));
    const framer = new StreamFramer({ maxHeaderSize: 2 * size, maxMessageSize: 4 * size });
    const started = performance.now();
    const out: FrameEvent[] = [];
    for (const chunk of chunks) for (const event of framer.push(chunk)) out.push(event);
    const elapsed = performance.now() - started;
    expect(out.length).toBe(1);
    expect(out[0]?.kind === 'message' && out[0].data.equals(m)).toBe(true);
    expect(elapsed).toBeLessThan(3000);
  });
});
