import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DigestParseError, parseCredentials } from '../../../src/sip/auth/index.js';

// RFC 7616 §3.9.1, as folded there (the message parser turns folding into a space).
const RFC7616_MD5 = [
  'Digest username="Mufasa",',
  '       realm="http-auth@example.org",',
  '       uri="/dir/index.html",',
  '       algorithm=MD5,',
  '       nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",',
  '       nc=00000001,',
  '       cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",',
  '       qop=auth,',
  '       response="8ca523f5e9506fed4657c9700eebdbec",',
  '       opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
].join(' ');

function digest(value: string) {
  const parsed = parseCredentials(value);
  if (parsed.kind !== 'digest') throw new Error(`not digest: ${parsed.scheme}`);
  return parsed.credentials;
}

function parseError(value: string): DigestParseError {
  try {
    parseCredentials(value);
  } catch (err) {
    if (err instanceof DigestParseError) return err;
    throw err;
  }
  throw new Error('expected a DigestParseError');
}

describe('parseCredentials (RFC 3261 §25.1, RFC 7616 §3.4)', () => {
  it('parses the RFC 7616 example', () => {
    expect(digest(RFC7616_MD5)).toEqual({
      username: 'Mufasa',
      realm: 'http-auth@example.org',
      uri: '/dir/index.html',
      algorithm: 'MD5',
      nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
      nc: '00000001',
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
      qop: 'auth',
      response: '8ca523f5e9506fed4657c9700eebdbec',
      opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
    });
  });

  it('is case-insensitive in scheme, names and algorithm, and tolerant of LWS and empty elements', () => {
    const c = digest(
      '  dIGEST\tUserName = "bob" ,,REALM="r" , nonce = abc/def+= ,uri="sip:r", Response="ABCDEF",\r\n algorithm=sha-256 ,',
    );
    expect(c).toEqual({
      username: 'bob',
      realm: 'r',
      nonce: 'abc/def+=',
      uri: 'sip:r',
      response: 'abcdef',
      algorithm: 'SHA-256',
    });
  });

  it('defaults to MD5 and accepts a quoted qop', () => {
    const c = digest(
      'Digest username="a", realm="r", nonce="n", uri="u", response="x", qop="auth", nc=0000000A, cnonce="c"',
    );
    expect(c.algorithm).toBe('MD5');
    expect(c.qop).toBe('auth');
    expect(c.nc).toBe('0000000A');
  });

  it('resolves quoted-pairs', () => {
    const c = digest('Digest username="al\\"ice\\\\", realm="a\\,b", nonce="n", uri="u", response="x"');
    expect(c.username).toBe('al"ice\\');
    expect(c.realm).toBe('a,b');
  });

  it('decodes UTF-8 from header text (binary strings)', () => {
    const wire = Buffer.from('Digest username="jörg", realm="r", nonce="n", uri="u", response="x"', 'utf8');
    expect(digest(wire.toString('latin1')).username).toBe('jörg');
  });

  it('drops cnonce and nc without qop (RFC 2617 §3.2.2)', () => {
    const c = digest(
      'Digest username="a", realm="r", nonce="n", uri="u", response="x", nc=00000001, cnonce="c"',
    );
    expect(c.nc).toBeUndefined();
    expect(c.cnonce).toBeUndefined();
  });

  it('returns other schemes untouched (RFC 4475 §3.3.7)', () => {
    expect(parseCredentials('NoOneKnowsThisScheme opaque-data=here')).toEqual({
      kind: 'other',
      scheme: 'NoOneKnowsThisScheme',
    });
    expect(parseCredentials('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==')).toEqual({
      kind: 'other',
      scheme: 'Basic',
    });
  });

  it('rejects missing required parameters, naming the realm when known', () => {
    for (const name of ['username', 'realm', 'nonce', 'uri', 'response']) {
      const all = { username: 'a', realm: 'r', nonce: 'n', uri: 'u', response: 'x' } as Record<
        string,
        string
      >;
      delete all[name];
      const value =
        'Digest ' +
        Object.entries(all)
          .map(([k, v]) => `${k}="${v}"`)
          .join(', ');
      const err = parseError(value);
      expect(err.code, name).toBe('missing');
      expect(err.realm, name).toBe(name === 'realm' ? undefined : 'r');
    }
    expect(parseError('Digest').code).toBe('missing');
    expect(parseError('Digest username="", realm="r", nonce="n", uri="u", response="x"').code).toBe(
      'missing',
    );
  });

  it('rejects qop=auth without cnonce or with a bad nonce-count', () => {
    const base = 'Digest username="a", realm="r", nonce="n", uri="u", response="x", qop=auth';
    expect(parseError(`${base}, nc=00000001`).code).toBe('missing');
    for (const nc of ['1', '000000001', '0000000g', '"00000001"x']) {
      expect(parseError(`${base}, cnonce="c", nc=${nc}`).code, nc).toBe('syntax');
    }
  });

  it('rejects what it does not implement as unsupported', () => {
    const base = 'Digest username="a", realm="r", nonce="n", uri="u", response="x"';
    expect(parseError(`${base}, algorithm=MD5-sess`).code).toBe('unsupported');
    expect(parseError(`${base}, algorithm=SHA-512-256`).code).toBe('unsupported');
    expect(parseError(`${base}, qop=auth-int, nc=00000001, cnonce="c"`).code).toBe('unsupported');
    expect(parseError(`${base}, userhash=true`).code).toBe('unsupported');
  });

  it('rejects malformed syntax with a typed error', () => {
    const cases = [
      'Digest username="alice',
      'Digest username="alice\\',
      'Digest username="a", realm="r", nonce="n", uri="u", response="x", opaque="never closed',
      'Digest username',
      'Digest username "a"',
      'Digest =x',
      'Digest username="a" realm="r"',
      'Digest username=a"b", realm="r"',
      'Digest username=, realm="r"',
      'Digest username="a", username="b", realm="r", nonce="n", uri="u", response="x"',
      'Digest, username="a"',
      '"Digest" username="a"',
      '',
      '   ',
    ];
    for (const value of cases) expect(['syntax', 'missing'], value).toContain(parseError(value).code);
  });

  it('bounds the value length and the number of parameters', () => {
    const many = 'Digest ' + Array.from({ length: 10_000 }, (_, i) => `p${i}=${i}`).join(', ');
    expect(parseError(many).code).toBe('too-large');
    const fewer = 'Digest realm="r", ' + Array.from({ length: 500 }, (_, i) => `p${i}=1`).join(',');
    expect(fewer.length).toBeLessThan(8192);
    const err = parseError(fewer);
    expect(err.code).toBe('too-large');
    expect(err.realm).toBe('r');
    expect(parseError(`Digest username="${'a'.repeat(1_000_000)}"`).code).toBe('too-large');
  });

  it('runs in linear time on adversarial input', () => {
    const inputs = [
      'Digest a="' + '\\"'.repeat(4000),
      'Digest ' + ','.repeat(8000),
      'Digest ' + ' '.repeat(8000) + 'a',
      'Digest a=' + 'b'.repeat(8000),
      'Digest a' + ' '.repeat(8000),
    ];
    const start = performance.now();
    for (let k = 0; k < 20; k++) {
      for (const value of inputs) {
        try {
          parseCredentials(value);
        } catch (err) {
          expect(err).toBeInstanceOf(DigestParseError);
        }
      }
    }
    // Generous for loaded CI; a quadratic scan of 8 KiB would take seconds here.
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it('throws nothing but DigestParseError on arbitrary input', () => {
    const fragment = fc.oneof(
      fc.constantFrom(
        'Digest ',
        'digest',
        ' ',
        '\t',
        '"',
        '\\',
        ',',
        '=',
        'realm',
        'username',
        'nonce',
        'uri',
      ),
      fc.constantFrom('response', 'qop', 'auth', 'nc', '00000001', 'cnonce', 'algorithm', 'SHA-256', 'MD5'),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 40 }), (parts) => {
        try {
          parseCredentials(parts.join(''));
        } catch (err) {
          if (!(err instanceof DigestParseError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
