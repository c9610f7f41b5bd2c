import { describe, expect, it } from 'vitest';
import type { SipMessage, SipRequest } from '../../src/sip/message/index.js';
import { checkRequest, MessageParseError, parseMessage } from '../../src/sip/parser/index.js';
import { allowSipParseError } from './exercise.js';
import { getGc } from './gc.js';

/**
 * Complexity checks: the cost of parsing a message with a hostile header value, and of reading it
 * through the typed accessor, must grow linearly with the value's length. Each case is timed at
 * 12.5 KB, 50 KB and 200 KB; times are per run, the minimum of several samples, each sample
 * repeating the smaller inputs so every sample does about the same work (less timer noise).
 * 4x input must cost < 16x time, and 16x input < 48x time (linear: ~16x; quadratic: >100x here).
 * This is not a timing target: only ratios are asserted.
 */

const SIZES = [12_500, 50_000, 200_000];
const gc = getGc();

function base(extra: string, requestUri = 'sip:bob@biloxi.example.com'): Buffer {
  return Buffer.from(
    [
      `INVITE ${requestUri} SIP/2.0`,
      'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8',
      'Max-Forwards: 70',
      'To: <sip:bob@biloxi.example.com>',
      'From: <sip:alice@atlanta.example.com>;tag=1928301774',
      'Call-ID: a84b4c76e66710',
      'CSeq: 314159 INVITE',
      extra,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
    'latin1',
  );
}

/** `n` characters made of `unit` repeated. */
const fill = (unit: string, n: number) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);

/** `;p0;p1;p2...` up to `n` characters: parameters with distinct names. */
function distinctParams(n: number, prefix = 'p'): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < n; i++) {
    const p = `;${prefix}${i}`;
    parts.push(p);
    length += p.length;
  }
  return parts.join('');
}

interface Case {
  name: string;
  build: (n: number) => Buffer;
  access: (m: SipMessage) => unknown;
}

const cases: Case[] = [
  {
    name: "200k ';' in Via",
    build: (n) => base(`Via: SIP/2.0/UDP h.example.com${fill(';', n)}`),
    access: (m) => m.via,
  },
  {
    name: "200k ';' in an unknown header",
    build: (n) => base(`X-Semi: ${fill(';', n)}`),
    access: (m) => m.getAll('x-semi'),
  },
  { name: "200k '\"' in Contact", build: (n) => base(`Contact: ${fill('"', n)}`), access: (m) => m.contacts },
  { name: "200k '\"' in From", build: (n) => base(`From: ${fill('"', n)}`), access: (m) => m.from },
  {
    name: 'a 200k quoted display name full of escapes',
    build: (n) => base(`Contact: "${fill('\\"', n)}" <sip:a@example.com>`),
    access: (m) => m.contacts,
  },
  { name: "200k '<' in Route", build: (n) => base(`Route: ${fill('<', n)}`), access: (m) => m.routes },
  { name: "200k '<' in To", build: (n) => base(`To: ${fill('<', n)}`), access: (m) => m.to },
  { name: "200k ',' in Via", build: (n) => base(`Via: ${fill(',', n)}`), access: (m) => m.via },
  { name: "200k ',' in Contact", build: (n) => base(`Contact: ${fill(',', n)}`), access: (m) => m.contacts },
  {
    name: 'thousands of Contact addresses',
    build: (n) => base(`Contact: ${fill('<sip:a@b.example.com>,', n)}`),
    access: (m) => m.contacts,
  },
  {
    name: "'[' openings in Via parameters",
    build: (n) => base(`Via: SIP/2.0/UDP h${fill(';a=[', n)}`),
    access: (m) => m.via,
  },
  {
    name: 'an unterminated quoted parameter value',
    build: (n) => base(`Contact: <sip:a@example.com>;x="${fill('a', n)}`),
    access: (m) => m.contacts,
  },
  {
    name: 'a repeated parameter name in Contact',
    build: (n) => base(`Contact: <sip:a@example.com>${fill(';q', n)}`),
    access: (m) => m.contacts,
  },
  {
    name: 'distinct header parameters in Contact',
    build: (n) => base(`Contact: <sip:a@example.com>${distinctParams(n)}`),
    access: (m) => m.contacts,
  },
  {
    name: 'distinct URI parameters in Contact',
    build: (n) => base(`Contact: <sip:a@example.com${distinctParams(n)}>`),
    access: (m) => m.contacts,
  },
  {
    name: 'distinct parameters in Via',
    build: (n) => base(`Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1${distinctParams(n)}`),
    access: (m) => m.via,
  },
  {
    name: 'a long escaped Request-URI user',
    build: (n) => base('X-A: b', `sip:${fill('%61', n)}@example.com`),
    access: (m) => checkRequest(m as SipRequest),
  },
  {
    name: 'a header folded over thousands of lines',
    build: (n) => base(`Subject: a${fill('\r\n a', n)}`),
    access: (m) => m.get('subject'),
  },
  {
    name: 'thousands of header lines',
    build: (n) => base(`X-A: b${fill('\r\nX-A: b', n)}`),
    access: (m) => checkRequest(m as SipRequest),
  },
  { name: 'a 200k header name', build: (n) => base(`${fill('X', n)}: v`), access: (m) => m.get('x') },
];

function runOnce(data: Buffer, access: Case['access']): void {
  let m: SipMessage;
  try {
    m = parseMessage(data);
  } catch (e) {
    if (!(e instanceof MessageParseError)) throw e;
    if (!e.partial) return;
    m = e.partial;
  }
  allowSipParseError('accessor', () => access(m));
}

/** Per-run time in ms at this size: min over samples, each of `repeat` runs (fewer if slow). */
function timePerRun(c: Case, n: number): number {
  const data = c.build(n);
  const repeat = Math.max(1, Math.round(SIZES.at(-1)! / n));
  runOnce(data, c.access); // warm-up (JIT)
  gc?.();
  let best = Number.POSITIVE_INFINITY;
  let spent = 0;
  for (let sample = 0; sample < 9 && (sample < 3 || spent < 300); sample++) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < repeat; r++) runOnce(data, c.access);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    best = Math.min(best, ms / repeat);
    spent += ms;
    if (ms > 1000) break; // already far from linear: one sample is enough evidence
  }
  return best;
}

/** A benign message of the same size: what merely receiving that many octets costs on this machine. */
const benign: Case = {
  name: 'benign',
  build: (n) => base(`X-Pad: ${fill('a', n)}`),
  access: (m) => m.get('x-pad'),
};

interface Measurement {
  /** Time ratios for 4x input (50 → 200 KB, 12.5 → 50 KB) and 16x input (12.5 → 200 KB). */
  ratios: { x4: number; x16: number };
  /** Clearly super-linear: no point in measuring again. */
  hopeless: boolean;
  detail: string;
}

function measure(c: Case): Measurement {
  const [n1, n2, n3] = SIZES as [number, number, number];
  // Floors: a run can't be cheaper than the benign large message scaled down linearly. Below
  // ~128 KB V8 allocates strings in the young generation, above in large-object space, so tiny
  // sub-128 KB timings would otherwise turn an allocator step into a huge "ratio".
  const benignLarge = timePerRun(benign, n3);
  const small = Math.max(timePerRun(c, n1), benignLarge / (n3 / n1));
  const medium = Math.max(timePerRun(c, n2), benignLarge / (n3 / n2));
  let detail =
    `${c.name}: ${n1 / 1000} KB ${small.toFixed(3)} ms, ${n2 / 1000} KB ${medium.toFixed(3)} ms, ` +
    `benign ${n3 / 1000} KB ${benignLarge.toFixed(3)} ms`;
  // Stop before the largest size (seconds per run when quadratic) if 12.5 → 50 KB already fails, or
  // if 50 KB costs 200 times a benign 200 KB message: a linear parser can't be that slow.
  const hopeless = medium / benignLarge >= 200;
  if (hopeless || medium / small >= 16) {
    return { ratios: { x4: medium / small, x16: Number.POSITIVE_INFINITY }, hopeless, detail };
  }
  const large = timePerRun(c, n3);
  detail += `, ${n3 / 1000} KB ${large.toFixed(3)} ms`;
  return { ratios: { x4: Math.max(large / medium, medium / small), x16: large / small }, hopeless, detail };
}

describe('parse + typed access cost is linear in the length of a hostile header value', () => {
  for (const c of cases) {
    it(c.name, () => {
      // Other processes share the CPU: a ratio only fails the test if it is seen three times running.
      const failed = (m: Measurement) => m.ratios.x4 >= 16 || m.ratios.x16 >= 48;
      let m = measure(c);
      for (let attempt = 1; attempt < 3 && failed(m) && !m.hopeless; attempt++) m = measure(c);
      if (m.hopeless)
        expect.fail(`super-linear: ${m.detail} (50 KB costs over 200x a benign 200 KB message)`);
      expect(m.ratios.x4, `4x input: ${m.detail}`).toBeLessThan(16);
      expect(m.ratios.x16, `16x input: ${m.detail}`).toBeLessThan(48);
    });
  }
});
