import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryLocationService } from '../../../src/location/index.js';
import { LocalDomains } from '../../../src/registrar/index.js';
import { SubscriberRouter } from '../../../src/routing/index.js';
import { answerChallenge, type DigestAuthenticator } from '../../../src/sip/auth/index.js';
import type { SipRequest } from '../../../src/sip/message/index.js';
import {
  binding,
  type FakeStore,
  newAuthenticator,
  phone,
  provisionedStore,
  sipRequest,
  TestClock,
} from './fakes.js';

const invite = (from: string, to = 'sip:bob@example.com', extra: string[] = []): SipRequest =>
  sipRequest(
    [
      `INVITE ${to} SIP/2.0`,
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1',
      'Max-Forwards: 70',
      `From: <${from}>;tag=a`,
      `To: <${to}>`,
      'Call-ID: c1',
      'CSeq: 1 INVITE',
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );

describe('SubscriberRouter', () => {
  let clock: TestClock;
  let store: FakeStore;
  let location: MemoryLocationService;
  let authenticator: DigestAuthenticator;
  let router: SubscriberRouter;

  beforeEach(async () => {
    clock = new TestClock();
    store = await provisionedStore();
    location = new MemoryLocationService({ now: clock.now, sweepIntervalMs: 0 });
    authenticator = newAuthenticator(clock.now);
    router = new SubscriberRouter({ store, location, authenticator, domains: new LocalDomains(store) });
  });

  async function withCredentials(
    request: SipRequest,
    username: string,
    password: string,
  ): Promise<SipRequest> {
    // Any request from our domain fetches a challenge for its realm.
    const challenge = await router.authorizeCaller(invite('sip:alice@example.com'), phone);
    const answer = answerChallenge(challenge!.getAll('proxy-authenticate'), {
      username,
      password,
      method: 'INVITE',
      uri: request.uriText,
    });
    request.append('Proxy-Authorization', answer);
    return request;
  }

  describe('authorizeCaller (RFC 3261 §22.3)', () => {
    it('lets callers from other domains through untouched', async () => {
      expect(await router.authorizeCaller(invite('sip:someone@carrier.net'), phone)).toBeUndefined();
    });

    it('challenges our own subscribers with 407', async () => {
      const response = await router.authorizeCaller(invite('sip:alice@example.com'), phone);
      expect(response?.status).toBe(407);
      expect(response?.getAll('proxy-authenticate')[0]).toContain('realm="example.com"');
    });

    it('accepts the right credentials and consumes only those for its realm', async () => {
      const request = await withCredentials(invite('sip:alice@example.com'), 'alice', 'alice-pw');
      request.append(
        'Proxy-Authorization',
        'Digest username="a", realm="upstream.net", nonce="n", uri="x", response="r"',
      );
      expect(await router.authorizeCaller(request, phone)).toBeUndefined();
      expect(request.getAll('proxy-authorization')).toEqual([
        'Digest username="a", realm="upstream.net", nonce="n", uri="x", response="r"',
      ]);
    });

    it('refuses a subscriber calling as another one with 403', async () => {
      const request = await withCredentials(invite('sip:alice@example.com'), 'bob', 'bob-pw');
      expect((await router.authorizeCaller(request, phone))?.status).toBe(403);
    });

    it('refuses a wrong password with 403', async () => {
      const request = await withCredentials(invite('sip:alice@example.com'), 'alice', 'nope');
      expect((await router.authorizeCaller(request, phone))?.status).toBe(403);
    });
  });

  describe('routeToUser (RFC 3261 §16.5)', () => {
    it('answers 404 for nobody and for a disabled subscriber, 480 when not registered', async () => {
      const request = invite('sip:x@carrier.net');
      const nobody = await router.routeToUser(request, 'nobody', 'example.com');
      expect(nobody.kind === 'respond' && nobody.response.status).toBe(404);
      const carol = await router.routeToUser(request, 'carol', 'example.com');
      expect(carol.kind === 'respond' && carol.response.status).toBe(480);
      (await store.getSubscriber('carol', 'example.com'))!.enabled = false;
      const disabled = await router.routeToUser(request, 'carol', 'example.com');
      expect(disabled.kind === 'respond' && disabled.response.status).toBe(404);
    });

    it('targets every contact by q, through the REGISTER source or the Path', async () => {
      const aor = 'sip:bob@example.com';
      const direct = binding({
        aor,
        contact: 'sip:bob@10.0.0.5:5060',
        q: 0.5,
        expiresAt: clock.t + 60_000,
        source: { protocol: 'tcp', address: '198.51.100.7', port: 40001, connectionId: 'conn-7' },
      });
      const viaEdge = binding({
        aor,
        contact: 'sip:bob@10.0.0.6:5060',
        q: 1,
        expiresAt: clock.t + 60_000,
        path: ['<sip:edge.example.com;lr>', '<sip:edge2.example.com;lr>'],
      });
      await location.update(aor, { remove: [], add: [direct, viaEdge] });
      const route = await router.routeToUser(
        invite('sip:x@carrier.net', 'sip:+14155550100@example.com'),
        '+14155550100',
        'example.com',
      );
      expect(route.kind).toBe('forward');
      if (route.kind !== 'forward') return;
      const [first, second] = route.targets;
      expect(first!.uri.toString()).toBe('sip:bob@10.0.0.6:5060');
      expect(first!.q).toBe(1);
      expect(first!.routes).toEqual(['<sip:edge.example.com;lr>', '<sip:edge2.example.com;lr>']);
      expect(first!.nextHop?.toString()).toBe('sip:edge.example.com;lr');
      expect(second!.uri.toString()).toBe('sip:bob@10.0.0.5:5060');
      expect(second!.nextHop).toEqual({
        protocol: 'tcp',
        address: '198.51.100.7',
        port: 40001,
        connectionId: 'conn-7',
      });
    });
  });
});
