import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SipMessage, SipRequest, SipResponse } from '../../src/sip/message/index.js';
import { checkRequest, checkResponse, MessageParseError, parseMessage } from '../../src/sip/parser/index.js';
import { message } from './arbitraries.js';
import { allowSipParseError } from './exercise.js';
import { getGc } from './gc.js';

const MB = 1024 * 1024;
const TOTAL = 100_000;

/** xorshift32: a fast seeded generator, so 100,000 mutations cost little next to the parsing. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const chunks = ['\r', '\n', '\r\n', ':', ';', ',', '"', '<', '>', '\\', '[', '\x00', ' ', '\r\n '].map((s) =>
  Buffer.from(s, 'latin1'),
);

function mutate(data: Buffer, random: () => number): Buffer {
  let out = data;
  const count = 1 + Math.floor(random() * 4);
  for (let k = 0; k < count; k++) {
    const at = Math.floor(random() * (out.length + 1));
    const op = random();
    if (op < 0.35 && out.length > 0) {
      out = Buffer.from(out);
      const i = at % out.length;
      out[i] = out[i]! ^ (1 + Math.floor(random() * 255));
    } else if (op < 0.7) {
      const chunk = chunks[Math.floor(random() * chunks.length)]!;
      out = Buffer.concat([out.subarray(0, at), chunk, out.subarray(at)]);
    } else if (op < 0.9) {
      out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + Math.floor(random() * 8))]);
    } else {
      out = out.subarray(0, at);
    }
  }
  return out;
}

function touch(m: SipMessage): void {
  if (m instanceof SipRequest) allowSipParseError('checkRequest', () => checkRequest(m));
  else if (m instanceof SipResponse) allowSipParseError('checkResponse', () => checkResponse(m));
  allowSipParseError('via', () => m.via);
  allowSipParseError('from', () => m.from.tag);
  allowSipParseError('to', () => m.to.tag);
  allowSipParseError('cseq', () => m.cseq);
  allowSipParseError('contacts', () => m.contacts);
  m.toBuffer();
}

describe('memory', () => {
  it(`parsing ${TOTAL.toLocaleString('en')} random mutated messages keeps heap growth bounded`, () => {
    const gc = getGc();
    const bases = fc.sample(message, { numRuns: 64, seed: 4475 }).map((g) => g.bytes);
    const random = rng(0x5eed);
    const round = (n: number) => {
      let parsed = 0;
      for (let i = 0; i < n; i++) {
        const data = mutate(bases[i % bases.length]!, random);
        try {
          touch(parseMessage(data));
          parsed++;
        } catch (e) {
          if (!(e instanceof MessageParseError)) throw e;
          if (e.partial) touch(e.partial);
        }
      }
      return parsed;
    };
    round(5_000); // warm-up: JIT code and lazily built tables are not growth
    gc?.();
    const before = process.memoryUsage().heapUsed;
    const samples: number[] = [];
    let parsed = 0;
    for (let i = 0; i < 10; i++) {
      parsed += round(TOTAL / 10);
      if (gc) {
        gc();
        samples.push(process.memoryUsage().heapUsed - before);
      }
    }
    gc?.();
    const growth = process.memoryUsage().heapUsed - before;
    const detail = `growth ${(growth / MB).toFixed(2)} MB, after each 10k: ${samples.map((s) => (s / MB).toFixed(2)).join(' ')} MB`;
    // Some mutations must leave a parseable message, or this measured nothing but errors.
    expect(parsed, detail).toBeGreaterThan(TOTAL / 10);
    if (gc) {
      // With real collections the live heap must stay flat: nothing is kept per message.
      expect(growth, detail).toBeLessThan(8 * MB);
      expect(samples.at(-1)! - samples[1]!, detail).toBeLessThan(4 * MB);
    } else {
      expect(growth, detail).toBeLessThan(50 * MB);
    }
  });
});
