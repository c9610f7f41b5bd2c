import { describe, expect, it } from 'vitest';
import { SipRequest } from '../../src/sip/message/index.js';
import { checkRequest, checkResponse, MessageParseError, parseMessage } from '../../src/sip/parser/index.js';
import { loadTortureCases } from './torture-corpus.js';

/**
 * Parser-level outcome for each RFC 4475 message: 'ok' (parses and passes sanity checks),
 * a status the node answers with at parse/sanity level, or 'drop' (a response that is discarded).
 * Outcomes decided by roles above the parser (415, 420, 401, 406, 483) are 'ok' here and are
 * checked over UDP against a running node in rfc4475-node.test.ts.
 */
const parserOutcome: Record<string, 'ok' | 'drop' | number> = {
  'badinv01.dat': 400,
  'clerr.dat': 400,
  'ncl.dat': 400,
  'scalar02.dat': 400,
  'scalarlg.dat': 'drop',
  'quotbal.dat': 400,
  'ltgtruri.dat': 400,
  'lwsruri.dat': 400,
  'lwsstart.dat': 400,
  'trws.dat': 400,
  'escruri.dat': 400,
  'regbadct.dat': 400,
  'badaspec.dat': 400,
  'baddn.dat': 400,
  'badvers.dat': 505,
  'mismatch01.dat': 400,
  'mismatch02.dat': 400,
  'bigcode.dat': 'drop',
  'insuf.dat': 400,
  'unkscm.dat': 416,
  'novelsc.dat': 416,
  'multi01.dat': 400,
  'mcl01.dat': 400,
};

function outcome(data: Buffer): {
  result: 'ok' | 'drop' | number;
  message?: ReturnType<typeof parseMessage>;
} {
  let message: ReturnType<typeof parseMessage>;
  try {
    message = parseMessage(data);
  } catch (e) {
    if (!(e instanceof MessageParseError)) throw e;
    const isResponse = data.toString('latin1', 0, 4) === 'SIP/';
    return { result: isResponse ? 'drop' : e.status };
  }
  if (message instanceof SipRequest) {
    const failure = checkRequest(message);
    return { result: failure ? failure.status : 'ok', message };
  }
  return { result: checkResponse(message) ? 'drop' : 'ok', message };
}

describe('RFC 4475 torture messages at parser level', () => {
  const cases = loadTortureCases();

  it('has all 49 messages', () => {
    expect(cases).toHaveLength(49);
  });

  for (const c of cases) {
    it(`${c.file} (${c.section}, ${c.kind}): ${c.what}`, () => {
      const expected = parserOutcome[c.file] ?? 'ok';
      const { result, message } = outcome(c.data);
      expect(result).toBe(expected);
      if (result === 'ok' && message) {
        // Valid messages re-serialize and re-parse to an equal message.
        const again = parseMessage(message.toBuffer());
        expect(again.headers.map((h) => [h.key, h.value])).toEqual(
          message.headers.map((h) => [h.key, h.value]),
        );
        expect(again.body.equals(message.body)).toBe(true);
        // A modified message still serializes every unknown header byte for byte.
        const copy = message.clone();
        copy.set('max-forwards', '69');
        const text = copy.toString();
        for (const h of message.headers) if (h.key !== 'max-forwards' && h.raw) expect(text).toContain(h.raw);
      }
    });
  }
});
