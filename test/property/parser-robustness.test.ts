import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseUri,
  type SipMessage,
  type SipRequest,
  SipResponse,
  type SipUri,
  uriEquals,
} from '../../src/sip/message/index.js';
import { checkRequest, checkResponse, parseMessage } from '../../src/sip/parser/index.js';
import { type GenMessage, hostileChunk, message } from './arbitraries.js';
import { exercise } from './exercise.js';

type Mutation =
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'insert'; at: number; chunk: Buffer }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), chunk: hostileChunk }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(data: Buffer, m: Mutation): Buffer {
  const at = data.length === 0 ? 0 : m.at % (data.length + 1);
  switch (m.kind) {
    case 'flip': {
      if (data.length === 0) return data;
      const out = Buffer.from(data);
      const i = at % data.length;
      out[i] = out[i]! ^ m.xor;
      return out;
    }
    case 'insert':
      return Buffer.concat([data.subarray(0, at), m.chunk, data.subarray(at)]);
    case 'delete':
      return Buffer.concat([data.subarray(0, at), data.subarray(at + m.length)]);
    case 'truncate':
      return data.subarray(0, at);
  }
}

/** Start offsets of the header lines (not the start line) of a message. */
function headerLineSpans(data: Buffer): Array<[number, number]> {
  const end = data.indexOf('\r\n\r\n');
  const spans: Array<[number, number]> = [];
  let pos = data.indexOf('\r\n') + 2;
  while (pos > 1 && pos < end + 2) {
    const next = data.indexOf('\r\n', pos);
    spans.push([pos, next + 2]);
    pos = next + 2;
  }
  return spans;
}

function check(g: GenMessage, m: SipRequest | SipResponse): void {
  expect(m.isRequest).toBe(g.isRequest);
  if (m instanceof SipResponse) {
    expect(m.status).toBe(g.status);
    expect(checkResponse(m)).toBeUndefined();
  } else {
    const req = m as SipRequest;
    expect(req.method).toBe(g.method);
    expect(req.uri.toString()).toBe(g.requestUri);
    expect(checkRequest(req)).toBeUndefined();
  }
  expect(m.via.map((v) => [v.transport, v.host, v.port, v.branch])).toEqual(
    g.vias.map((v) => [v.transport, v.host, v.port, v.branch]),
  );
  expect(m.from.uri.toString()).toBe(g.from.uri.text);
  expect(m.from.tag).toBe(g.from.tag);
  expect(m.to.uri.toString()).toBe(g.to.uri.text);
  expect(m.to.tag).toBe(g.to.tag);
  expect((m.to.uri as SipUri).user).toBe(g.to.uri.user);
  expect(uriEquals(m.to.uri, parseUri(g.to.uri.text))).toBe(true);
  expect(m.callId).toBe(g.callId);
  expect(m.cseq).toEqual({ seq: g.cseq, method: g.method });
  expect(m.maxForwards).toBe(g.maxForwards);
  const contacts = m.contacts;
  expect(contacts === '*' ? contacts : contacts.map((c) => c.uri.toString())).toEqual(
    g.contacts.map((c) => c.uri.text),
  );
  for (const e of g.extra) expect(m.get(e.name)).toBe(e.value);
  expect(m.body.equals(g.body)).toBe(true);
}

describe('valid messages built from arbitrary parts', () => {
  it('parse, pass the sanity checks, give back every part and reproduce their bytes', () => {
    fc.assert(
      fc.property(message, (g) => {
        const m = parseMessage(g.bytes);
        check(g, m);
        expect(m.toBuffer().equals(g.bytes)).toBe(true);
      }),
      { numRuns: 800 },
    );
  });

  it('survive prepend Via / decrement Max-Forwards / serialize / parse again', () => {
    fc.assert(
      fc.property(message, (g) => {
        const m = parseMessage(g.bytes);
        m.prepend('via', 'SIP/2.0/TCP proxy.example.com:5060;branch=z9hG4bKproxy');
        if (m.maxForwards! > 0) m.set('max-forwards', String(m.maxForwards! - 1));
        const again = parseMessage(m.toBuffer());
        expect(again.topVia?.host).toBe('proxy.example.com');
        expect(again.via.slice(1).map((v) => v.branch)).toEqual(g.vias.map((v) => v.branch));
        expect(again.maxForwards).toBe(Math.max(g.maxForwards - 1, 0));
        expect(again.body.equals(g.body)).toBe(true);
        // Every header line other than Via and Max-Forwards keeps its bytes.
        const text = again.toString();
        for (const h of m.headers) if (h.raw !== undefined) expect(text).toContain(`\r\n${h.raw}\r\n`);
      }),
      { numRuns: 500 },
    );
  });
});

describe('mutated messages: only MessageParseError, only SipParseError from accessors', () => {
  it('random byte flips, insertions, deletions and truncations', () => {
    fc.assert(
      fc.property(message, fc.array(mutation, { minLength: 1, maxLength: 6 }), (g, ms) => {
        let data = g.bytes;
        for (const m of ms) data = mutate(data, m);
        exercise(data);
      }),
      { numRuns: 1000 },
    );
  });

  it('a mutated message that parses re-serializes, after a change, to one with the same headers and body', () => {
    const others = (m: SipMessage) =>
      m.headers.filter((h) => h.key !== 'content-length').map((h) => [h.key, h.value]);
    fc.assert(
      fc.property(message, fc.array(mutation, { minLength: 1, maxLength: 4 }), (g, ms) => {
        let data = g.bytes;
        for (const m of ms) data = mutate(data, m);
        const { parsed } = exercise(data);
        if (!parsed) return;
        parsed.set('x-touched', '1');
        // toBuffer adds Content-Length when the input had none, hence the filter.
        const again = parseMessage(parsed.toBuffer());
        expect(others(again)).toEqual(others(parsed));
        expect(again.body.equals(parsed.body)).toBe(true);
      }),
      { numRuns: 600 },
    );
  });

  it('truncation at every position', () => {
    fc.assert(
      fc.property(message, (g) => {
        for (let at = 0; at <= g.bytes.length; at++) exercise(g.bytes.subarray(0, at));
      }),
      { numRuns: 40 },
    );
  });

  it('duplicated header lines', () => {
    fc.assert(
      fc.property(
        message,
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }),
        (g, picks) => {
          let data = g.bytes;
          for (const [which, where] of picks) {
            const spans = headerLineSpans(data);
            if (spans.length === 0) break;
            const [s, e] = spans[which % spans.length]!;
            const [at] = spans[where % spans.length]!;
            data = Buffer.concat([data.subarray(0, at), data.subarray(s, e), data.subarray(at)]);
          }
          const { parsed } = exercise(data);
          // A repeated single-valued header must be refused by the sanity checks.
          if (parsed && picks.length > 0) {
            const single = ['from', 'to', 'call-id', 'cseq', 'max-forwards'].some((k) => parsed.count(k) > 1);
            if (single) {
              if (parsed instanceof SipResponse) expect(checkResponse(parsed)).toBeDefined();
              else expect(checkRequest(parsed as SipRequest)?.status).toBe(400);
            }
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('huge header values (up to 100 KB) in new and existing headers', () => {
    const filler = fc.oneof(
      fc
        .constantFrom(';', '"', '<', ',', '>', '\\', ' ', '[', '%', 'a', ';a', ';a=', '<sip:a@b>,', '"\\')
        .map((s) => ({ s })),
      fc.uint8Array({ minLength: 1, maxLength: 4 }).map((b) => ({ s: Buffer.from(b).toString('latin1') })),
    );
    fc.assert(
      fc.property(
        message,
        filler,
        fc.integer({ min: 1, max: 100_000 }),
        fc.nat(),
        fc.constantFrom('X-Huge', 'Via', 'From', 'To', 'Contact', 'Route', 'CSeq', 'Call-ID', 'Max-Forwards'),
        (g, { s }, size, where, name) => {
          const value = s
            .repeat(Math.ceil(size / s.length))
            .slice(0, size)
            .replace(/[\r\n]/g, ' ');
          const spans = headerLineSpans(g.bytes);
          const [, lineEnd] = spans[where % spans.length]!;
          // Either a line of its own or a tail appended to an existing line.
          const inserted =
            where % 2 === 0 ? Buffer.from(`${name}: ${value}\r\n`, 'latin1') : Buffer.from(value, 'latin1');
          const at = where % 2 === 0 ? lineEnd : lineEnd - 2;
          exercise(Buffer.concat([g.bytes.subarray(0, at), inserted, g.bytes.subarray(at)]));
        },
      ),
      { numRuns: 300 },
    );
  });
});
