import { describe, expect, it } from 'vitest';
import { answerChallenge, DigestParseError, parseCredentials } from '../../../src/sip/auth/index.js';

const RFC_CHALLENGE = (algorithm: string) =>
  `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, ` +
  'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';

const MUFASA = {
  username: 'Mufasa',
  password: 'Circle of Life',
  method: 'GET',
  uri: '/dir/index.html',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
};

function credentials(value: string) {
  const parsed = parseCredentials(value);
  if (parsed.kind !== 'digest') throw new Error('not digest');
  return parsed.credentials;
}

describe('answerChallenge (UAC side)', () => {
  it('answers the RFC 7616 §3.9.1 challenges with the published responses', () => {
    const md5 = credentials(answerChallenge(RFC_CHALLENGE('MD5'), MUFASA));
    expect(md5).toMatchObject({
      algorithm: 'MD5',
      qop: 'auth',
      nc: '00000001',
      response: '8ca523f5e9506fed4657c9700eebdbec',
      opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
    });
    const sha = credentials(answerChallenge(RFC_CHALLENGE('SHA-256'), MUFASA));
    expect(sha.response).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  it('chooses SHA-256 when offered, whatever the order, and skips what it cannot do', () => {
    const offered = [
      'Basic realm="x"',
      RFC_CHALLENGE('SHA-512-256'),
      RFC_CHALLENGE('MD5'),
      RFC_CHALLENGE('SHA-256'),
    ];
    expect(credentials(answerChallenge(offered, MUFASA)).algorithm).toBe('SHA-256');
    expect(credentials(answerChallenge(offered.slice(0, 3), MUFASA)).algorithm).toBe('MD5');
  });

  it('writes the nonce-count as 8 hex digits and a random cnonce by default', () => {
    const c = credentials(answerChallenge(RFC_CHALLENGE('MD5'), { ...MUFASA, cnonce: undefined, nc: 26 }));
    expect(c.nc).toBe('0000001a');
    expect(c.cnonce).toMatch(/^[0-9a-f]{32}$/);
    expect(() => answerChallenge(RFC_CHALLENGE('MD5'), { ...MUFASA, nc: 0 })).toThrow(RangeError);
  });

  it('answers an RFC 2069 challenge without qop, and auth-int when it is the only qop', () => {
    const plain = answerChallenge('Digest realm="r", nonce="n"', MUFASA);
    expect(plain).not.toMatch(/qop|cnonce|nc=/);
    const int = answerChallenge('Digest realm="r", nonce="n", qop="auth-int"', { ...MUFASA, body: 'x' });
    expect(int).toContain('qop=auth-int');
  });

  it('throws DigestParseError when nothing is usable', () => {
    for (const offered of [
      [],
      ['Basic realm="x"'],
      ['Digest realm="r"'],
      ['Digest realm="r", nonce="n", qop="x"'],
    ]) {
      expect(() => answerChallenge(offered, MUFASA)).toThrow(DigestParseError);
    }
  });
});
