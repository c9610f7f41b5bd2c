import { beforeEach, describe, expect, it } from 'vitest';
import type { Decision, RoutingContext } from '../../../src/routing/index.js';
import { Authenticate } from '../../../src/routing/stages/authenticate.js';
import { answerChallenge } from '../../../src/sip/auth/index.js';
import type { SipRequest } from '../../../src/sip/message/index.js';
import { routedRequest } from '../registrar/fakes.js';
import { context, routes, type Services, services } from './harness.js';

const request = (from: string, to = 'sip:bob@example.com', method = 'INVITE', extra: string[] = []) =>
  routedRequest({ method, to, from, via: '198.51.100.7:5060', extra });

const status = (d: Decision) => (d.kind === 'respond' ? d.response.status : d.kind);

describe('the authenticate stage (RFC 3261 §22.3)', () => {
  let s: Services;
  let stage: Authenticate;

  beforeEach(async () => {
    s = await services();
    // An outbound proxy: requests for other domains are relayed, so their callers are checked.
    stage = new Authenticate(routes('sip:192.0.2.50'), s);
  });

  /** A context for a request to a user of example.com. */
  function forUser(): RoutingContext {
    const ctx = context();
    ctx.domain = 'example.com';
    return ctx;
  }

  async function withCredentials(req: SipRequest, username: string, password: string): Promise<SipRequest> {
    const challenge = await stage.decide(request('sip:alice@example.com'), forUser());
    if (challenge.kind !== 'respond') throw new Error('expected a challenge');
    const answer = answerChallenge(challenge.response.getAll('proxy-authenticate'), {
      username,
      password,
      method: req.method,
      uri: req.uriText,
    });
    req.append('Proxy-Authorization', answer);
    return req;
  }

  it("trusts a caller the node vouches for already (a B2BUA transfer placed for a leg's party)", async () => {
    const ctx = forUser();
    ctx.caller = { aor: 'sip:alice@example.com', user: 'alice', domain: 'example.com' };
    const req = request('sip:alice@example.com');
    expect(status(await stage.decide(req, ctx))).toBe('continue');
    expect(ctx.caller.aor).toBe('sip:alice@example.com');
  });

  it('lets callers from other domains through untouched', async () => {
    expect(status(await stage.decide(request('sip:someone@carrier.net'), forUser()))).toBe('continue');
  });

  it('lets a caller through at once when the cache knows their domain is not ours, and still challenges ours', async () => {
    const first = stage.decide(request('sip:someone@carrier.net'), forUser());
    expect(first).toBeInstanceOf(Promise);
    expect(status(await first)).toBe('continue');
    // carrier.net's answer is cached now: no promise.
    const cached = stage.decide(request('sip:other@carrier.net'), forUser());
    expect(cached).not.toBeInstanceOf(Promise);
    expect(status(cached as Decision)).toBe('continue');
    await stage.decide(request('sip:alice@example.com'), forUser());
    expect(status(await stage.decide(request('sip:alice@example.com'), forUser()))).toBe(407);
  });

  it('challenges our own subscribers with 407 for their realm', async () => {
    const decision = await stage.decide(request('sip:alice@example.com'), forUser());
    expect(status(decision)).toBe(407);
    if (decision.kind === 'respond')
      expect(decision.response.getAll('proxy-authenticate')[0]).toContain('realm="example.com"');
  });

  it('accepts the right credentials, consumes only those for its realm and names the caller', async () => {
    const req = await withCredentials(request('sip:alice@example.com'), 'alice', 'alice-pw');
    const upstream = 'Digest username="a", realm="upstream.net", nonce="n", uri="x", response="r"';
    req.append('Proxy-Authorization', upstream);
    const ctx = forUser();
    expect(status(await stage.decide(req, ctx))).toBe('continue');
    expect(req.getAll('proxy-authorization')).toEqual([upstream]);
    expect(ctx.caller).toMatchObject({ user: 'alice', domain: 'example.com' });
  });

  it('refuses a subscriber calling as another one, and a wrong password, with 403', async () => {
    const asBob = await withCredentials(request('sip:alice@example.com'), 'bob', 'bob-pw');
    expect(status(await stage.decide(asBob, forUser()))).toBe(403);
    const wrong = await withCredentials(request('sip:alice@example.com'), 'alice', 'nope');
    expect(status(await stage.decide(wrong, forUser()))).toBe(403);
  });

  it('checks callers of requests the node relays to its default route', async () => {
    const decision = await stage.decide(request('sip:alice@example.com', 'sip:x@elsewhere.org'), context());
    expect(status(decision)).toBe(407);
  });

  it('leaves REGISTER to the registrar, and what the node refuses or answers itself', async () => {
    const register = request('sip:alice@example.com', 'sip:example.com', 'REGISTER');
    expect(status(await stage.decide(register, forUser()))).toBe('continue');
    // No default route: a request for another domain will be refused (403), not challenged.
    const noRelay = new Authenticate(routes(), s);
    const relay = request('sip:alice@example.com', 'sip:x@elsewhere.org');
    expect(status(await noRelay.decide(relay, context()))).toBe('continue');
    // OPTIONS to the node itself.
    const ping = request('sip:alice@example.com', 'sip:192.0.2.10', 'OPTIONS');
    expect(status(await stage.decide(ping, context()))).toBe('continue');
  });
});
