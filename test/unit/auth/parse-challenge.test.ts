import { describe, expect, it } from 'vitest';
import { DigestParseError, parseChallenge } from '../../../src/sip/auth/index.js';

describe('parseChallenge (RFC 7616 §3.3)', () => {
  it('parses the RFC 7616 §3.9.1 challenge', () => {
    const parsed = parseChallenge(
      'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, ' +
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
    );
    expect(parsed).toEqual({
      kind: 'digest',
      challenge: {
        realm: 'http-auth@example.org',
        nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
        algorithm: 'SHA-256',
        qop: ['auth', 'auth-int'],
        opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
        stale: false,
      },
    });
  });

  it('reads RFC 2069 challenges, stale in any case, and domain', () => {
    const parsed = parseChallenge('Digest realm="r", nonce=abc, stale=TRUE, domain="sip:a sip:b"');
    expect(parsed).toEqual({
      kind: 'digest',
      challenge: { realm: 'r', nonce: 'abc', algorithm: 'MD5', qop: [], stale: true, domain: 'sip:a sip:b' },
    });
  });

  it('returns other schemes and rejects incomplete challenges', () => {
    expect(parseChallenge('Bearer realm="x"')).toEqual({ kind: 'other', scheme: 'Bearer' });
    expect(() => parseChallenge('Digest nonce="n"')).toThrow(DigestParseError);
    expect(() => parseChallenge('Digest realm="r"')).toThrow(DigestParseError);
    expect(() => parseChallenge('Digest realm="r, nonce="n"')).toThrow(DigestParseError);
  });
});
