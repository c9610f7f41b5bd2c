import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestHash, digestResponse, ha1, ha2 } from '../../../src/sip/auth/index.js';

// RFC 7616 §3.9.1, whose published responses are quoted below; the independent
// computation in `reference` cross-checks the same formula with node:crypto directly.
const RFC7616 = {
  username: 'Mufasa',
  password: 'Circle of Life',
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  nc: '00000001',
  method: 'GET',
  uri: '/dir/index.html',
};

function reference(hashName: 'md5' | 'sha256', parts: string[]): string {
  return createHash(hashName).update(parts.join(':')).digest('hex');
}

describe('digest computation (RFC 7616 §3.4.1)', () => {
  it('reproduces the RFC 7616 §3.9.1 MD5 and SHA-256 responses', () => {
    const published = {
      MD5: '8ca523f5e9506fed4657c9700eebdbec',
      'SHA-256': '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    } as const;
    for (const algorithm of ['MD5', 'SHA-256'] as const) {
      const e = RFC7616;
      const response = digestResponse({
        algorithm,
        ha1: ha1(e.username, e.realm, e.password, algorithm),
        nonce: e.nonce,
        method: e.method,
        uri: e.uri,
        qop: 'auth',
        nc: e.nc,
        cnonce: e.cnonce,
      });
      expect(response, algorithm).toBe(published[algorithm]);
      const h = algorithm === 'MD5' ? 'md5' : 'sha256';
      const independent = reference(h, [
        reference(h, [e.username, e.realm, e.password]),
        e.nonce,
        e.nc,
        e.cnonce,
        'auth',
        reference(h, [e.method, e.uri]),
      ]);
      expect(independent, algorithm).toBe(published[algorithm]);
    }
  });

  it('reproduces the RFC 2617 §3.5 MD5 example', () => {
    const response = digestResponse({
      algorithm: 'MD5',
      ha1: ha1('Mufasa', 'testrealm@host.com', 'Circle Of Life', 'MD5'),
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      method: 'GET',
      uri: '/dir/index.html',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
    });
    expect(response).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('computes the RFC 2069 form without qop: H(HA1:nonce:HA2)', () => {
    const h1 = ha1('alice', 'example.com', 'secret', 'MD5');
    const response = digestResponse({
      algorithm: 'MD5',
      ha1: h1,
      nonce: 'abc',
      method: 'REGISTER',
      uri: 'sip:example.com',
    });
    expect(response).toBe(reference('md5', [h1, 'abc', reference('md5', ['REGISTER', 'sip:example.com'])]));
  });

  it('hashes the body into HA2 for auth-int', () => {
    const body = 'v=0\r\n';
    expect(ha2('SHA-256', 'INVITE', 'sip:b@x', 'auth-int', body)).toBe(
      reference('sha256', ['INVITE', 'sip:b@x', reference('sha256', [body])]),
    );
    expect(ha2('MD5', 'INVITE', 'sip:b@x', 'auth')).toBe(reference('md5', ['INVITE', 'sip:b@x']));
  });

  it('hashes strings as UTF-8 and accepts an upper-case HA1', () => {
    expect(digestHash('MD5', 'jörg')).toBe(
      createHash('md5').update(Buffer.from('jörg', 'utf8')).digest('hex'),
    );
    const h1 = ha1('Mufasa', RFC7616.realm, RFC7616.password, 'MD5');
    const input = { algorithm: 'MD5' as const, nonce: 'n', method: 'GET', uri: '/' };
    expect(digestResponse({ ...input, ha1: h1.toUpperCase() })).toBe(digestResponse({ ...input, ha1: h1 }));
  });
});
