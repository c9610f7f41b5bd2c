import { describe, expect, it } from 'vitest';
import { DigestAuthenticator, ha1 } from '../../../src/sip/auth/index.js';
import { parseUri, type SipResponse } from '../../../src/sip/message/index.js';
import {
  grantedExpires,
  RegistrationClient,
  type RegistrationClientOptions,
  type RegistrationStatus,
  refreshDelayMs,
  retryDelayMs,
} from '../../../src/sip/registration/index.js';
import { UserAgentCore } from '../../../src/sip/ua/index.js';
import { answer, type FakeClientTransaction, FakeClock, FakeTransport, flush, sip } from '../ua/fakes.js';

const REALM = 'carrier.example';
const CONTACT = 'sip:trunk1@203.0.113.1:5060';

function setup(overrides: Partial<RegistrationClientOptions> = {}) {
  const clock = new FakeClock();
  clock.now = 1_000_000;
  const transport = new FakeTransport();
  const core = new UserAgentCore({ transport, onError: () => {} });
  const changes: RegistrationStatus[] = [];
  const client = new RegistrationClient({
    core,
    registrar: 'sip:carrier.example:5070',
    aor: 'sip:trunk1@carrier.example',
    contact: CONTACT,
    credentials: { username: 'trunk1', password: 'secret' },
    expires: 600,
    timers: clock,
    now: () => clock.now,
    retry: { minMs: 1000, maxMs: 8000 },
    onChange: (s) => changes.push(s),
    ...overrides,
  });
  let seen = 0;
  /** The REGISTERs sent since the last call. */
  const sent = (): FakeClientTransaction[] => {
    const all = transport.sent('REGISTER');
    const fresh = all.slice(seen);
    seen = all.length;
    return fresh;
  };
  return { clock, transport, client, changes, sent };
}

/** A registrar's side: challenges with the real authenticator and checks the answers. */
function registrar() {
  const auth = new DigestAuthenticator({ algorithms: ['MD5'] });
  return {
    challenge(tx: FakeClientTransaction, stale = false): void {
      const res = answer(tx.request, 401);
      const c = auth.challenge(REALM, { proxy: false, stale });
      for (const v of c.values) res.append('www-authenticate', v);
      tx.receive(reparse(res));
    },
    async verify(tx: FakeClientTransaction, password = 'secret'): Promise<string> {
      const outcome = await auth.verify(tx.request, {
        realm: REALM,
        proxy: false,
        lookupHa1: async (user, realm, algorithm) => ha1(user, realm, password, algorithm),
      });
      return outcome.result;
    },
  };
}

function reparse(res: SipResponse): SipResponse {
  return sip<SipResponse>(res.toString());
}

function ok(tx: FakeClientTransaction, contact = `<${CONTACT}>;expires=300`): void {
  const res = answer(tx.request, 200);
  res.append('contact', contact);
  tx.receive(reparse(res));
}

describe('RegistrationClient', () => {
  it('registers with digest, follows the granted expiry and refreshes with the same Call-ID', async () => {
    const { clock, client, changes, sent } = setup();
    const server = registrar();
    client.start();
    expect(client.status().state).toBe('registering');
    clock.advance(0);
    await flush();
    const [first] = sent();
    expect(first?.request.uriText).toBe('sip:carrier.example:5070');
    expect(first?.request.to.uri.toString()).toBe('sip:trunk1@carrier.example');
    expect(first?.request.from.uri.toString()).toBe('sip:trunk1@carrier.example');
    expect(first?.request.get('contact')).toBe(`<${CONTACT}>`);
    expect(first?.request.get('expires')).toBe('600');
    expect(first?.request.get('authorization')).toBeUndefined();
    expect(first?.target).toMatchObject({ address: 'carrier.example', port: 5070 });
    server.challenge(first!);
    await flush();
    const [second] = sent();
    expect(await server.verify(second!)).toBe('ok');
    expect(second?.request.callId).toBe(first?.request.callId);
    expect(second?.request.cseq.seq).toBe(2);
    ok(second!);
    await flush();
    expect(client.status()).toMatchObject({
      state: 'registered',
      expires: 300,
      expiresAt: clock.now + 300_000,
      nextAttemptAt: clock.now + 270_000,
      failures: 0,
    });
    // The refresh goes 30 s before the end, authorised up front with the next nonce-count.
    clock.advance(269_999);
    await flush();
    expect(sent()).toHaveLength(0);
    clock.advance(1);
    await flush();
    const [refresh] = sent();
    expect(refresh?.request.callId).toBe(first?.request.callId);
    expect(refresh?.request.cseq.seq).toBe(3);
    expect(refresh?.request.get('authorization')).toContain('nc=00000002');
    expect(await server.verify(refresh!)).toBe('ok');
    ok(refresh!, `<${CONTACT}>;expires=10`);
    await flush();
    expect(client.status()).toMatchObject({ state: 'registered', expires: 10 });
    expect(changes.map((c) => c.state)).toEqual(['registering', 'registered', 'registered']);
    // A short grant is refreshed half-way.
    clock.advance(5000);
    await flush();
    expect(sent()).toHaveLength(1);
  });

  it('answers a new challenge on refresh when the held nonce has gone stale', async () => {
    const { clock, client, sent } = setup();
    const server = registrar();
    client.start();
    clock.advance(0);
    await flush();
    server.challenge(sent()[0]!);
    await flush();
    ok(sent()[0]!);
    await flush();
    clock.advance(270_000);
    await flush();
    server.challenge(sent()[0]!, true);
    await flush();
    const [answered] = sent();
    expect(answered?.request.get('authorization')).toContain('nc=00000001');
    expect(await server.verify(answered!)).toBe('ok');
    ok(answered!);
    await flush();
    expect(client.status().state).toBe('registered');
  });

  it('gives up on wrong credentials with the 401 as the error, and retries with back-off', async () => {
    const { clock, client, sent } = setup({ credentials: { username: 'trunk1', password: 'wrong' } });
    const server = registrar();
    client.start();
    clock.advance(0);
    await flush();
    server.challenge(sent()[0]!);
    await flush();
    const [answered] = sent();
    expect(await server.verify(answered!)).toBe('failed');
    server.challenge(answered!);
    await flush();
    expect(sent()).toHaveLength(0);
    expect(client.status()).toMatchObject({
      state: 'failed',
      lastStatus: 401,
      lastError: '401 Unauthorized',
      failures: 1,
      nextAttemptAt: clock.now + 1000,
    });
    clock.advance(1000);
    await flush();
    const [retry] = sent();
    expect(retry?.request.get('authorization')).toBeUndefined();
    retry?.receive(reparse(answer(retry.request, 500)));
    await flush();
    // Doubled for the second failure in a row.
    expect(client.status()).toMatchObject({ state: 'failed', failures: 2, nextAttemptAt: clock.now + 2000 });
  });

  it('answers a 407 with Proxy-Authorization', async () => {
    const { clock, client, sent } = setup();
    const auth = new DigestAuthenticator({ algorithms: ['MD5'] });
    client.start();
    clock.advance(0);
    await flush();
    const [first] = sent();
    const res = answer(first!.request, 407);
    for (const v of auth.challenge(REALM, { proxy: true }).values) res.append('proxy-authenticate', v);
    first!.receive(reparse(res));
    await flush();
    const [second] = sent();
    expect(second?.request.get('authorization')).toBeUndefined();
    const outcome = await auth.verify(second!.request, {
      realm: REALM,
      proxy: true,
      lookupHa1: async (user, realm, algorithm) => ha1(user, realm, 'secret', algorithm),
    });
    expect(outcome.result).toBe('ok');
  });

  it('answers only the configured realm: a challenge of another is a failure', async () => {
    const { clock, client, sent } = setup({
      credentials: { username: 'trunk1', password: 'secret', realm: 'other.example' },
    });
    const server = registrar();
    client.start();
    clock.advance(0);
    await flush();
    server.challenge(sent()[0]!);
    await flush();
    expect(sent()).toHaveLength(0);
    expect(client.status()).toMatchObject({ state: 'failed', lastStatus: 401 });
  });

  it('waits as long as a 503 Retry-After says', async () => {
    const { clock, client, sent } = setup();
    client.start();
    clock.advance(0);
    await flush();
    const [tx] = sent();
    const res = answer(tx!.request, 503);
    res.append('retry-after', '7 (maintenance)');
    tx!.receive(reparse(res));
    await flush();
    expect(client.status()).toMatchObject({ state: 'failed', lastError: '503 Service Unavailable' });
    clock.advance(6999);
    await flush();
    expect(sent()).toHaveLength(0);
    clock.advance(1);
    await flush();
    expect(sent()).toHaveLength(1);
  });

  it('asks again with the Min-Expires of a 423 and keeps it for the refreshes', async () => {
    const { client, clock, sent } = setup({ credentials: undefined, expires: 30 });
    client.start();
    clock.advance(0);
    await flush();
    const [tx] = sent();
    const res = answer(tx!.request, 423);
    res.append('min-expires', '120');
    tx!.receive(reparse(res));
    await flush();
    const [again] = sent();
    expect(again?.request.get('expires')).toBe('120');
    const granted = answer(again!.request, 200);
    granted.append('contact', `<${CONTACT}>;expires=120`);
    again!.receive(reparse(granted));
    await flush();
    expect(client.status()).toMatchObject({ state: 'registered', expires: 120 });
    clock.advance(90_000);
    await flush();
    expect(sent()[0]?.request.get('expires')).toBe('120');
  });

  it('counts a timeout (the UAC core’s 408) as a failure', async () => {
    const { client, clock, sent } = setup();
    client.start();
    clock.advance(0);
    await flush();
    const [tx] = sent();
    tx!.handlers.onTimeout?.(tx!);
    await flush();
    expect(client.status()).toMatchObject({
      state: 'failed',
      lastStatus: 408,
      lastError: '408 Request Timeout',
    });
  });

  it('removes the binding with Expires: 0 at stop, authorised, and stops refreshing', async () => {
    const { client, clock, sent, changes } = setup();
    const server = registrar();
    client.start();
    clock.advance(0);
    await flush();
    server.challenge(sent()[0]!);
    await flush();
    ok(sent()[0]!);
    await flush();
    const stopped = client.stop();
    await flush();
    const [removal] = sent();
    expect(removal?.request.get('expires')).toBe('0');
    expect(removal?.request.get('contact')).toBe(`<${CONTACT}>`);
    expect(await server.verify(removal!)).toBe('ok');
    const res = answer(removal!.request, 200);
    removal!.receive(reparse(res));
    await stopped;
    expect(client.status()).toEqual({ state: 'unregistered', failures: 0 });
    expect(changes.at(-1)?.state).toBe('unregistered');
    clock.advance(600_000);
    await flush();
    expect(sent()).toHaveLength(0);
    expect(clock.pending).toBe(0);
  });

  it('a failed refresh leaves the earlier binding in the status, and stop still removes it', async () => {
    const { clock, client, sent } = setup();
    client.start();
    clock.advance(0);
    await flush();
    ok(sent()[0]!);
    await flush();
    const { expiresAt } = client.status();
    clock.advance(270_000);
    await flush();
    const [refresh] = sent();
    refresh!.receive(reparse(answer(refresh!.request, 500)));
    await flush();
    expect(client.status()).toMatchObject({ state: 'failed', expiresAt, expires: 300, lastStatus: 500 });
    const stopping = client.stop();
    await flush();
    const [removal] = sent();
    expect(removal?.request.get('expires')).toBe('0');
    removal!.receive(reparse(answer(removal!.request, 200)));
    await stopping;
  });

  it('stop does not wait forever for a registrar that does not answer', async () => {
    const { client, clock, sent } = setup({ stopTimeoutMs: 500 });
    client.start();
    clock.advance(0);
    await flush();
    ok(sent()[0]!);
    await flush();
    let done = false;
    const stopped = client.stop().then(() => {
      done = true;
    });
    await flush();
    expect(sent()).toHaveLength(1);
    expect(done).toBe(false);
    clock.advance(500);
    await stopped;
    expect(client.status().state).toBe('unregistered');
  });

  it('sends no removal when it never held a binding', async () => {
    const { client, sent } = setup();
    client.start();
    await client.stop();
    expect(sent()).toHaveLength(0);
  });

  it('refuses a registrar URI that does not parse', () => {
    expect(() => setup({ registrar: 'not a uri' })).toThrow();
  });
});

describe('registration timing', () => {
  it('refreshes half-way through short grants and 30 s before the end of long ones', () => {
    expect(refreshDelayMs(10)).toBe(5000);
    expect(refreshDelayMs(60)).toBe(30_000);
    expect(refreshDelayMs(3600)).toBe(3_570_000);
  });

  it('backs off exponentially up to the maximum, and never before a Retry-After', () => {
    const policy = { minMs: 1000, maxMs: 8000 };
    const plain = sip<SipResponse>(
      'SIP/2.0 500 Oops\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nCall-ID: c\nCSeq: 1 REGISTER\nFrom: <sip:a@b>;tag=1\nTo: <sip:a@b>\nContent-Length: 0\n\n',
    );
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(plain, n, policy))).toEqual([
      1000, 2000, 4000, 8000, 8000,
    ]);
    plain.append('retry-after', '30');
    expect(retryDelayMs(plain, 1, policy)).toBe(30_000);
  });

  it('reads the grant from our Contact, else the Expires header, else the request', () => {
    const response = (headers: string) =>
      sip<SipResponse>(
        `SIP/2.0 200 OK\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nCall-ID: c\nCSeq: 1 REGISTER\nFrom: <sip:a@b>;tag=1\nTo: <sip:a@b>;tag=2\n${headers}Content-Length: 0\n\n`,
      );
    const ours = parseUri(CONTACT);
    const listed = response(
      `Contact: <sip:other@192.0.2.1>;expires=50, <${CONTACT}>;expires=40\nExpires: 20\n`,
    );
    expect(grantedExpires(listed, ours, 99)).toBe(40);
    expect(grantedExpires(listed, parseUri('sip:other@192.0.2.1'), 99)).toBe(50);
    expect(grantedExpires(listed, parseUri('sip:third@192.0.2.1'), 99)).toBe(20);
    expect(grantedExpires(response(''), ours, 99)).toBe(99);
  });
});
