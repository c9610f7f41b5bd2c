import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  answerChallenge,
  type DigestAlgorithm,
  DigestAuthenticator,
  type DigestAuthenticatorOptions,
  digestResponse,
  ha1,
  parseChallenge,
} from '../../../src/sip/auth/index.js';
import { SipRequest } from '../../../src/sip/message/index.js';
import { parseMessage } from '../../../src/sip/parser/index.js';

const REALM = 'example.com';
const URI = 'sip:example.com';
const USERS: Record<string, string> = { alice: 'secret', 'al"ice\\': 'q', jörg: 'pässword' };

let lookups = 0;
async function lookupHa1(username: string, realm: string, algorithm: DigestAlgorithm) {
  lookups++;
  await new Promise((resolve) => setTimeout(resolve, 1));
  const password = USERS[username];
  return password === undefined ? undefined : ha1(username, realm, password, algorithm);
}

function setup(options: DigestAuthenticatorOptions = {}) {
  const clock = { t: 1_700_000_000_000 };
  const auth = new DigestAuthenticator({ now: () => clock.t, ...options });
  const verify = (request: SipRequest, proxy = false, source?: string) =>
    auth.verify(request, { realm: REALM, proxy, lookupHa1, source });
  return { clock, auth, verify };
}

function register(...authorization: string[]): SipRequest {
  const request = new SipRequest('REGISTER', URI);
  for (const value of authorization) request.append('Authorization', value);
  return request;
}

function answer(challenge: string | string[], username = 'alice', password = 'secret', nc?: number): string {
  return answerChallenge(challenge, { username, password, method: 'REGISTER', uri: URI, nc });
}

describe('DigestAuthenticator.challenge', () => {
  it('offers SHA-256 then MD5 with one nonce, qop=auth, on 401 or 407', () => {
    const { auth } = setup();
    const www = auth.challenge(REALM, { proxy: false });
    expect(www.status).toBe(401);
    expect(www.header).toBe('WWW-Authenticate');
    expect(www.values).toHaveLength(2);
    const [sha, md5] = www.values.map((v) => {
      const parsed = parseChallenge(v);
      if (parsed.kind !== 'digest') throw new Error('not digest');
      return parsed.challenge;
    });
    expect(sha).toMatchObject({ realm: REALM, algorithm: 'SHA-256', qop: ['auth'], stale: false });
    expect(md5).toMatchObject({ realm: REALM, algorithm: 'MD5', qop: ['auth'], nonce: sha!.nonce });
    const proxy = auth.challenge(REALM, { proxy: true, stale: true, opaque: 'o"1' });
    expect(proxy.status).toBe(407);
    expect(proxy.header).toBe('Proxy-Authenticate');
    expect(parseChallenge(proxy.values[0]!)).toMatchObject({ challenge: { stale: true, opaque: 'o"1' } });
  });

  it('offers only the configured algorithms', () => {
    const { auth } = setup({ algorithms: ['SHA-256'] });
    expect(auth.challenge(REALM, { proxy: false }).values).toHaveLength(1);
  });
});

describe('DigestAuthenticator.verify', () => {
  it('accepts a challenge → answer round trip for SHA-256 and for MD5', async () => {
    const { auth, verify } = setup();
    const { values } = auth.challenge(REALM, { proxy: false });
    const sha = await verify(
      register(auth.answer(values, { username: 'alice', password: 'secret', method: 'REGISTER', uri: URI })),
    );
    expect(sha).toMatchObject({ result: 'ok', credentials: { username: 'alice', algorithm: 'SHA-256' } });
    // Same nonce, so the next request counts on (nonce-counts are per nonce, not per algorithm).
    const md5 = await verify(register(answer(values[1]!, 'alice', 'secret', 2)));
    expect(md5).toMatchObject({ result: 'ok', credentials: { algorithm: 'MD5' } });
  });

  it('accepts credentials after a trip through the wire (serialize, parse)', async () => {
    const { auth, verify } = setup();
    const request = register(answer(auth.challenge(REALM, { proxy: false }).values, 'jörg', 'pässword'));
    request.append('Via', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1');
    for (const [name, value] of [
      ['From', `<${URI}>;tag=1`],
      ['To', `<${URI}>`],
      ['Call-ID', 'c'],
      ['CSeq', '1 REGISTER'],
    ]) {
      request.append(name!, value!);
    }
    const parsed = parseMessage(request.toBuffer());
    expect(parsed).toBeInstanceOf(SipRequest);
    expect(await verify(parsed as SipRequest)).toMatchObject({
      result: 'ok',
      credentials: { username: 'jörg' },
    });
  });

  it('round-trips a username with quotes and backslashes', async () => {
    const { auth, verify } = setup();
    const value = answer(auth.challenge(REALM, { proxy: false }).values, 'al"ice\\', 'q');
    expect(value).toContain('username="al\\"ice\\\\"');
    expect(await verify(register(value))).toMatchObject({
      result: 'ok',
      credentials: { username: 'al"ice\\' },
    });
  });

  it('fails a wrong password and an unknown user', async () => {
    const { auth, verify } = setup();
    const { values } = auth.challenge(REALM, { proxy: false });
    expect(await verify(register(answer(values, 'alice', 'wrong')))).toMatchObject({
      result: 'failed',
      reason: 'wrong response',
    });
    expect(await verify(register(answer(values, 'mallory', 'x')))).toMatchObject({
      result: 'failed',
      reason: 'unknown user',
    });
  });

  it('fails a replayed nonce-count and accepts increasing ones', async () => {
    const { auth, verify } = setup();
    const { values } = auth.challenge(REALM, { proxy: false });
    const first = register(answer(values, 'alice', 'secret', 1));
    expect((await verify(first)).result).toBe('ok');
    expect(await verify(first)).toMatchObject({ result: 'failed', reason: 'replayed nonce-count' });
    expect((await verify(register(answer(values, 'alice', 'secret', 2)))).result).toBe('ok');
    expect((await verify(register(answer(values, 'alice', 'secret', 5)))).result).toBe('ok');
    expect((await verify(register(answer(values, 'alice', 'secret', 4)))).result).toBe('failed');
  });

  it('does not let a wrong response burn nonce-counts, nor spend a lookup on a replay', async () => {
    const { auth, verify } = setup();
    const { values } = auth.challenge(REALM, { proxy: false });
    expect((await verify(register(answer(values, 'alice', 'wrong', 9)))).result).toBe('failed');
    const ok = register(answer(values, 'alice', 'secret', 2));
    expect((await verify(ok)).result).toBe('ok');
    const before = lookups;
    expect((await verify(ok)).result).toBe('failed');
    expect(lookups).toBe(before);
  });

  it('lets only one of two concurrent requests with the same nonce-count through', async () => {
    const { auth, verify } = setup();
    const request = register(answer(auth.challenge(REALM, { proxy: false }).values));
    const outcomes = await Promise.all([verify(request), verify(request), verify(request)]);
    expect(outcomes.map((o) => o.result).sort()).toEqual(['failed', 'failed', 'ok']);
  });

  it('reports stale for a right response on an expired nonce, failed for a wrong one', async () => {
    const { auth, verify, clock } = setup({ nonceLifetimeMs: 300_000 });
    const { values } = auth.challenge(REALM, { proxy: false });
    const right = register(answer(values));
    const wrong = register(answer(values, 'alice', 'nope'));
    clock.t += 300_001;
    expect(await verify(right)).toMatchObject({ result: 'stale', credentials: { username: 'alice' } });
    expect(await verify(wrong)).toMatchObject({ result: 'failed', reason: 'wrong response' });
  });

  it('fails forged and tampered nonces even with the right password', async () => {
    const { auth, verify } = setup();
    const forged = 'Digest realm="example.com", nonce="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", qop="auth"';
    expect(await verify(register(answer(forged)))).toMatchObject({
      result: 'failed',
      reason: 'invalid nonce',
    });
    const { values } = auth.challenge(REALM, { proxy: false });
    const nonce = (parseChallenge(values[0]!) as { challenge: { nonce: string } }).challenge.nonce;
    const raw = Buffer.from(nonce, 'base64url');
    raw.writeUInt32BE(raw.readUInt32BE(4) + 60_000_000, 4);
    const tampered = `Digest realm="example.com", nonce="${raw.toString('base64url')}", qop="auth", algorithm=SHA-256`;
    expect(await verify(register(answer(tampered)))).toMatchObject({
      result: 'failed',
      reason: 'invalid nonce',
    });
    // A nonce minted for another realm, or by another secret.
    const other = auth
      .challenge('other.example.com', { proxy: false })
      .values[0]!.replace('other.example.com', REALM);
    expect((await verify(register(answer(other)))).result).toBe('failed');
    const stranger = new DigestAuthenticator().challenge(REALM, { proxy: false }).values;
    expect((await verify(register(answer(stranger)))).result).toBe('failed');
  });

  it('accepts nonces from another node sharing the secret', async () => {
    const secret = randomBytes(32);
    const a = setup({ secret });
    const b = setup({ secret });
    expect((await b.verify(register(answer(a.auth.challenge(REALM, { proxy: false }).values)))).result).toBe(
      'ok',
    );
  });

  it('ignores unknown schemes and other realms (RFC 4475 §3.3.7, RFC 3261 §22.3)', async () => {
    const { auth, verify } = setup();
    expect(await verify(register())).toEqual({ result: 'missing' });
    expect(await verify(register('NoOneKnowsThisScheme opaque-data=here'))).toEqual({ result: 'missing' });
    const elsewhere = auth.challenge('elsewhere.example', { proxy: false }).values;
    const theirs = answerChallenge(elsewhere, {
      username: 'alice',
      password: 'secret',
      method: 'REGISTER',
      uri: URI,
    });
    expect(await verify(register(theirs))).toEqual({ result: 'missing' });
    const ours = answer(auth.challenge(REALM, { proxy: false }).values);
    expect((await verify(register('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==', theirs, ours))).result).toBe('ok');
  });

  it('reads Proxy-Authorization when acting as a proxy, and only then', async () => {
    const { auth, verify } = setup();
    const value = answer(auth.challenge(REALM, { proxy: true }).values);
    expect(await verify(register(value), true)).toEqual({ result: 'missing' });
    const request = new SipRequest('REGISTER', URI).append('Proxy-Authorization', value);
    expect((await verify(request, true)).result).toBe('ok');
  });

  it('fails malformed credentials without throwing, and skips malformed ones for other realms', async () => {
    const { auth, verify } = setup();
    const many = 'Digest ' + Array.from({ length: 10_000 }, (_, i) => `p${i}="${i}"`).join(', ');
    const malformed = [
      'Digest username="alice, realm="example.com", nonce="x',
      many,
      'Digest username="alice", realm="example.com"',
      `Digest username="${'a'.repeat(100_000)}", realm="example.com", nonce="n", uri="u", response="r"`,
      'Digest username="a", realm="example.com", nonce="n", uri="u", response="r", algorithm=MD5-sess',
      'Digest',
      '',
    ];
    for (const value of malformed) {
      const outcome = await verify(register(value));
      expect(outcome.result, value.slice(0, 60)).toBe('failed');
    }
    expect(await verify(register('Digest username="a", realm="other"'))).toEqual({ result: 'missing' });
    const ours = answer(auth.challenge(REALM, { proxy: false }).values);
    expect((await verify(register('Digest username="alice', ours))).result).toBe('ok');
  });

  it('fails a digest-uri that is not the Request-URI, accepting an equivalent one', async () => {
    const { auth, verify } = setup();
    const { values } = auth.challenge(REALM, { proxy: false });
    const elsewhere = answerChallenge(values, {
      username: 'alice',
      password: 'secret',
      method: 'REGISTER',
      uri: 'sip:evil.example',
    });
    expect(await verify(register(elsewhere))).toMatchObject({
      result: 'failed',
      reason: 'uri does not match Request-URI',
    });
    const equivalent = answerChallenge(values, {
      username: 'alice',
      password: 'secret',
      method: 'REGISTER',
      uri: 'SIP:EXAMPLE.COM',
      nc: 2,
    });
    expect((await verify(register(equivalent))).result).toBe('ok');
  });

  it('refuses algorithms not offered and, when required, credentials without qop', async () => {
    const onlySha = setup({ algorithms: ['SHA-256'] });
    const md5 = answer(onlySha.auth.challenge(REALM, { proxy: false }).values[0]!.replace('SHA-256', 'MD5'));
    expect(await onlySha.verify(register(md5))).toMatchObject({
      result: 'failed',
      reason: 'algorithm not offered',
    });

    for (const requireQop of [false, true]) {
      const { auth, verify } = setup({ requireQop });
      const challenge = auth.challenge(REALM, { proxy: false }).values[1]!.replace(', qop="auth"', '');
      const rfc2069 = answer(challenge);
      expect(rfc2069).not.toContain('qop');
      expect((await verify(register(rfc2069))).result, String(requireQop)).toBe(requireQop ? 'failed' : 'ok');
    }
  });

  it('fails nc=00000000 and hashes an upper-case nonce-count as written', async () => {
    const { auth, verify } = setup();
    const nonce = (
      parseChallenge(auth.challenge(REALM, { proxy: false }).values[0]!) as { challenge: { nonce: string } }
    ).challenge.nonce;
    const withCount = (nc: string) => {
      const response = digestResponse({
        algorithm: 'SHA-256',
        ha1: ha1('alice', REALM, 'secret', 'SHA-256'),
        nonce,
        method: 'REGISTER',
        uri: URI,
        qop: 'auth',
        nc,
        cnonce: 'c',
      });
      return register(
        `Digest username="alice", realm="${REALM}", nonce="${nonce}", uri="${URI}", response="${response}", ` +
          `algorithm=SHA-256, qop=auth, nc=${nc}, cnonce="c"`,
      );
    };
    expect(await verify(withCount('00000000'))).toMatchObject({
      result: 'failed',
      reason: 'nonce-count zero',
    });
    expect((await verify(withCount('0000000A'))).result).toBe('ok');
    expect((await verify(withCount('0000000a'))).result).toBe('failed');
  });
});

describe('DigestAuthenticator.failures', () => {
  it('counts failed outcomes per source address, not missing or ok ones', async () => {
    const { auth, verify, clock } = setup({ failureWindowMs: 60_000 });
    const { values } = auth.challenge(REALM, { proxy: false });
    await verify(register(answer(values, 'alice', 'bad', 1)), false, '198.51.100.7');
    await verify(register(answer(values, 'alice', 'bad', 2)), false, '198.51.100.7');
    await verify(register('Digest username="x'), false, '198.51.100.7');
    await verify(register(), false, '198.51.100.7');
    await verify(register(answer(values, 'alice', 'secret', 3)), false, '198.51.100.8');
    expect(auth.failures.failuresFor('198.51.100.7')).toBe(3);
    expect(auth.failures.failuresFor('198.51.100.8')).toBe(0);
    auth.failures.recordFailure('198.51.100.8');
    expect(auth.failures.failuresFor('198.51.100.8')).toBe(1);
    clock.t += 60_000;
    expect(auth.failures.failuresFor('198.51.100.7')).toBe(0);
  });
});

describe('DigestAuthenticator per realm (algorithmsFor)', () => {
  const algorithmOf = (value: string) => {
    const parsed = parseChallenge(value);
    if (parsed.kind !== 'digest') throw new Error('not digest');
    return parsed.challenge.algorithm;
  };
  // One node, two domains: example.com chose SHA-256 (then MD5), the rest follow the node's MD5.
  const own = new Map<string, DigestAlgorithm[]>([[REALM, ['SHA-256', 'MD5']]]);
  const options: DigestAuthenticatorOptions = {
    algorithms: ['MD5'],
    algorithmsFor: (realm) => own.get(realm),
  };

  it("challenges each realm with its own algorithms, in its order, else with the node's", () => {
    const { auth } = setup(options);
    expect(auth.challenge(REALM, { proxy: false }).values.map(algorithmOf)).toEqual(['SHA-256', 'MD5']);
    expect(auth.challenge('other.org', { proxy: true }).values.map(algorithmOf)).toEqual(['MD5']);
    expect(auth.algorithmsOf('other.org')).toEqual(['MD5']);
  });

  it('accepts what the realm offers and refuses what it does not', async () => {
    const { auth, verify } = setup({ ...options, algorithmsFor: () => ['SHA-256'] });
    const [sha] = auth.challenge(REALM, { proxy: false }).values;
    expect(algorithmOf(sha!)).toBe('SHA-256');
    expect((await verify(register(answer(sha!)))).result).toBe('ok');
    // The node's MD5 is not a way around a realm that dropped it.
    const md5 = answer(sha!.replace('SHA-256', 'MD5'), 'alice', 'secret', 2);
    expect(await verify(register(md5))).toMatchObject({ result: 'failed', reason: 'algorithm not offered' });
  });

  it("falls back to the node's algorithms for an empty list", () => {
    const { auth } = setup({ ...options, algorithmsFor: () => [] });
    expect(auth.challenge(REALM, { proxy: false }).values.map(algorithmOf)).toEqual(['MD5']);
  });
});
