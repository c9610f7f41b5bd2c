import { beforeEach, describe, expect, it } from 'vitest';
import { InProcessEventBus, type RegistrationEvent } from '../../../src/events/index.js';
import { MemoryLocationService } from '../../../src/location/index.js';
import { Registrar, type RegistrarOptions } from '../../../src/registrar/index.js';
import { DigestAuthenticator } from '../../../src/sip/auth/index.js';
import type { SipRequest, SipResponse } from '../../../src/sip/message/index.js';
import type { ServerTransaction } from '../../../src/sip/transaction/index.js';
import {
  authorize,
  type FakeStore,
  newAuthenticator,
  phone,
  provisionedStore,
  type RegisterOptions,
  registerRequest,
  TestClock,
} from './fakes.js';

const AOR = 'sip:alice@example.com';

describe('Registrar (RFC 3261 §10.3)', () => {
  let clock: TestClock;
  let store: FakeStore;
  let location: MemoryLocationService;
  let authenticator: DigestAuthenticator;
  let events: RegistrationEvent[];
  let registrar: Registrar;

  function build(options: Partial<RegistrarOptions> = {}): void {
    const bus = new InProcessEventBus();
    bus.subscribe('registration.*', (e) => events.push(e));
    registrar = new Registrar({ store, location, authenticator, events: bus, now: clock.now }, options);
  }

  beforeEach(async () => {
    clock = new TestClock();
    store = await provisionedStore();
    location = new MemoryLocationService({ store, now: clock.now, sweepIntervalMs: 0 });
    authenticator = newAuthenticator(clock.now);
    events = [];
    build();
  });

  /** The 401 round trip of a phone: send, answer the challenge, send again. */
  async function register(
    o: RegisterOptions = {},
    credentials: { username: string; password: string } = {
      username: o.user ?? 'alice',
      password: `${o.user ?? 'alice'}-pw`,
    },
  ): Promise<SipResponse> {
    const challenge = await registrar.process(registerRequest(o), phone);
    if (challenge.status !== 401) return challenge;
    return registrar.process(
      authorize(registerRequest(o), challenge, credentials.username, credentials.password),
      phone,
    );
  }

  const contactsOf = (r: SipResponse) => r.getAll('contact');
  const bindings = () => location.lookup(AOR);

  describe('authentication and authorization', () => {
    it('challenges a REGISTER without credentials with 401 and stores nothing', async () => {
      const response = await registrar.process(registerRequest(), phone);
      expect(response.status).toBe(401);
      const challenges = response.getAll('www-authenticate');
      expect(challenges).toHaveLength(2);
      expect(challenges[0]).toMatch(
        /^Digest realm="example.com", nonce="[^"]+", algorithm=SHA-256, qop="auth"/,
      );
      expect(challenges[1]).toContain('algorithm=MD5');
      expect(response.to.tag).toBeDefined();
      expect(await bindings()).toEqual([]);
      expect(events).toEqual([]);
    });

    it('registers with valid credentials: 200 with the binding, its expires and a Date', async () => {
      const response = await register();
      expect(response.status).toBe(200);
      expect(contactsOf(response)).toEqual(['<sip:alice@192.0.2.10:5060>;expires=3600']);
      expect(response.get('date')).toBe('Wed, 01 Jan 2025 12:00:00 GMT');
      const [b] = await bindings();
      expect(b).toMatchObject({
        aor: AOR,
        contact: 'sip:alice@192.0.2.10:5060',
        callId: 'call-1',
        cseq: 1,
        q: 1,
        source: phone,
        expiresAt: clock.t + 3600_000,
      });
      expect(store.bindings.size).toBe(1);
      expect(events).toMatchObject([
        {
          type: 'registration.created',
          aor: AOR,
          contact: 'sip:alice@192.0.2.10:5060',
          expires: 3600,
          source: phone,
        },
      ]);
    });

    it('refuses a wrong password with 403', async () => {
      const response = await register({}, { username: 'alice', password: 'guess' });
      expect(response.status).toBe(403);
      expect(await bindings()).toEqual([]);
    });

    it("refuses another subscriber's credentials for this AoR with 403 (no third-party registration)", async () => {
      const response = await register({}, { username: 'bob', password: 'bob-pw' });
      expect(response.status).toBe(403);
      expect(await bindings()).toEqual([]);
    });

    it('challenges again, with stale=true, when the nonce has expired', async () => {
      const challenge = await registrar.process(registerRequest(), phone);
      clock.advance(10 * 60_000);
      const response = await registrar.process(
        authorize(registerRequest(), challenge, 'alice', 'alice-pw'),
        phone,
      );
      expect(response.status).toBe(401);
      expect(response.getAll('www-authenticate')[0]).toContain('stale=true');
    });

    it('challenges again rather than forbid a nonce it never issued (a node restarted)', async () => {
      const challenge = await registrar.process(registerRequest(), phone);
      // Another secret: the nonce is not one of its own, as after a restart without a shared secret.
      const restarted = new Registrar({
        store,
        location,
        now: clock.now,
        authenticator: new DigestAuthenticator({ now: clock.now, secret: Buffer.alloc(32, 9) }),
      });
      const response = await restarted.process(
        authorize(registerRequest(), challenge, 'alice', 'alice-pw'),
        phone,
      );
      expect(response.status).toBe(401);
      expect(response.getAll('www-authenticate')[0]).not.toContain('stale=true');
    });

    it('answers 404 for a domain it does not serve, without a challenge', async () => {
      const response = await registrar.process(registerRequest({ domain: 'elsewhere.net' }), phone);
      expect(response.status).toBe(404);
    });

    it('answers 404 when To is not in the domain of the Request-URI', async () => {
      const response = await register({ requestUri: 'sip:other.org' });
      expect(response.status).toBe(404);
    });

    it('accepts a Request-URI naming the node rather than the domain', async () => {
      expect((await register({ requestUri: 'sip:192.0.2.1:5060' })).status).toBe(200);
    });

    it('gives hostile user names a 401 then a 403, and stores nothing', async () => {
      for (const user of ["x'%20OR%20'1'='1", 'robert%27);DROP%20TABLE%20subscribers;--', 'a'.repeat(100)]) {
        const response = await register({ user }, { username: user, password: 'x' });
        expect(response.status).toBe(403);
      }
      expect(location.size).toBe(0);
      expect(store.bindings.size).toBe(0);
    });

    it('answers 404 for user parts that cannot be subscribers (NUL, absurd length)', async () => {
      expect((await registrar.process(registerRequest({ user: 'al%00ice' }), phone)).status).toBe(404);
      expect((await registrar.process(registerRequest({ user: 'a'.repeat(500) }), phone)).status).toBe(404);
    });

    it('answers 420 for extensions it does not support, and accepts Require: path', async () => {
      const unsupported = await registrar.process(registerRequest({ extra: ['Require: gruu, path'] }), phone);
      expect(unsupported.status).toBe(420);
      expect(unsupported.get('unsupported')).toBe('gruu');
      expect((await register({ extra: ['Require: path'] })).status).toBe(200);
    });
  });

  describe('expiry', () => {
    it('takes the contact parameter over the Expires header over the default', async () => {
      const response = await register({
        contacts: ['<sip:a@192.0.2.1>;expires=120', '<sip:b@192.0.2.2>'],
        expires: '600',
      });
      expect(contactsOf(response).sort()).toEqual([
        '<sip:a@192.0.2.1>;expires=120',
        '<sip:b@192.0.2.2>;expires=600',
      ]);
    });

    it('answers 423 with Min-Expires below the minimum, and changes nothing', async () => {
      const response = await register({ expires: '30' });
      expect(response.status).toBe(423);
      expect(response.get('min-expires')).toBe('60');
      const perContact = await register({ contacts: ['<sip:a@192.0.2.1>;expires=1', '<sip:b@192.0.2.2>'] });
      expect(perContact.status).toBe(423);
      expect(await bindings()).toEqual([]);
    });

    it('shortens intervals above the maximum, huge ones included', async () => {
      expect(contactsOf(await register({ expires: '86400' }))).toEqual([
        '<sip:alice@192.0.2.10:5060>;expires=7200',
      ]);
      const huge = await register({
        cseq: 2,
        contacts: ['<sip:alice@192.0.2.10:5060>;expires=99999999999999999999'],
      });
      expect(contactsOf(huge)).toEqual(['<sip:alice@192.0.2.10:5060>;expires=7200']);
      expect(contactsOf(await register({ cseq: 3, expires: '4294967296' }))).toEqual([
        '<sip:alice@192.0.2.10:5060>;expires=7200',
      ]);
    });

    it('refuses non-numeric expires parameters with 400', async () => {
      for (const value of ['abc', '-5', '1e3', '']) {
        const contact = value === '' ? '<sip:a@192.0.2.1>;expires' : `<sip:a@192.0.2.1>;expires=${value}`;
        expect((await register({ contacts: [contact] })).status).toBe(400);
      }
      expect(await bindings()).toEqual([]);
    });

    it('removes a binding registered with expires 0, and says so', async () => {
      await register({ contacts: ['<sip:a@192.0.2.1>', '<sip:b@192.0.2.2>'] });
      const response = await register({ cseq: 2, contacts: ['<sip:a@192.0.2.1>;expires=0'] });
      expect(response.status).toBe(200);
      expect(contactsOf(response)).toEqual(['<sip:b@192.0.2.2>;expires=3600']);
      expect(events.at(-1)).toMatchObject({
        type: 'registration.removed',
        contact: 'sip:a@192.0.2.1',
        reason: 'deregistered',
      });
      expect([...store.bindings.values()].map((b) => b.contact)).toEqual(['sip:b@192.0.2.2']);
    });

    it('reports the time left on bindings it did not touch', async () => {
      await register({ contacts: ['<sip:a@192.0.2.1>'] });
      clock.advance(600_000);
      const response = await register({ callId: 'call-2', contacts: ['<sip:b@192.0.2.2>'], expires: '120' });
      expect(contactsOf(response).sort()).toEqual([
        '<sip:a@192.0.2.1>;expires=3000',
        '<sip:b@192.0.2.2>;expires=120',
      ]);
    });
  });

  describe('Contact: *', () => {
    it('removes every binding with Expires: 0', async () => {
      await register({ contacts: ['<sip:a@192.0.2.1>', '<sip:b@192.0.2.2>'] });
      const response = await register({ cseq: 2, contacts: ['*'], expires: '0' });
      expect(response.status).toBe(200);
      expect(contactsOf(response)).toEqual([]);
      expect(await bindings()).toEqual([]);
      expect(events.filter((e) => e.type === 'registration.removed').map((e) => e.reason)).toEqual([
        'wildcard',
        'wildcard',
      ]);
    });

    it('is a 400 without Expires: 0 or with other contacts', async () => {
      expect((await register({ contacts: ['*'] })).status).toBe(400);
      expect((await register({ contacts: ['*'], expires: '3600' })).status).toBe(400);
      expect((await register({ contacts: ['*', '<sip:a@192.0.2.1>'], expires: '0' })).status).toBe(400);
    });

    it('is refused (500) for an older CSeq of the same Call-ID', async () => {
      await register({ cseq: 5 });
      expect((await register({ cseq: 4, contacts: ['*'], expires: '0' })).status).toBe(500);
      expect(await bindings()).toHaveLength(1);
    });
  });

  describe('Call-ID / CSeq ordering (step 7)', () => {
    it('refuses the same Call-ID with a lower or equal CSeq with 500, and keeps the binding', async () => {
      await register({ cseq: 10, expires: '600' });
      const lower = await register({ cseq: 9, expires: '0' });
      expect(lower.status).toBe(500);
      const equal = await register({ cseq: 10, expires: '0' });
      expect(equal.status).toBe(500);
      expect(await bindings()).toHaveLength(1);
    });

    it('takes a higher CSeq of the same Call-ID as a refresh', async () => {
      await register({ cseq: 10 });
      clock.advance(1000);
      const response = await register({ cseq: 11, expires: '900' });
      expect(response.status).toBe(200);
      const [b] = await bindings();
      expect(b).toMatchObject({ cseq: 11, expiresAt: clock.t + 900_000 });
      expect(events.map((e) => e.type)).toEqual(['registration.created', 'registration.refreshed']);
    });

    it('lets another Call-ID update a binding whatever its CSeq (a rebooted phone)', async () => {
      await register({ cseq: 100 });
      const response = await register({ callId: 'after-reboot', cseq: 1 });
      expect(response.status).toBe(200);
      expect((await bindings())[0]).toMatchObject({ callId: 'after-reboot', cseq: 1 });
    });
  });

  describe('q-values, queries, Path, instance-id', () => {
    it('lists bindings highest q first and keeps q in the 200', async () => {
      const response = await register({
        contacts: ['<sip:low@192.0.2.1>;q=0.1', '<sip:high@192.0.2.2>;q=0.9', '<sip:mid@192.0.2.3>;q=0.5'],
      });
      expect(contactsOf(response)).toEqual([
        '<sip:high@192.0.2.2>;expires=3600;q=0.9',
        '<sip:mid@192.0.2.3>;expires=3600;q=0.5',
        '<sip:low@192.0.2.1>;expires=3600;q=0.1',
      ]);
    });

    it('refuses malformed q with 400', async () => {
      for (const q of ['1.5', 'x', '0.0001', '-1']) {
        expect((await register({ contacts: [`<sip:a@192.0.2.1>;q=${q}`] })).status).toBe(400);
      }
    });

    it('answers a REGISTER without Contact with the current bindings and changes nothing', async () => {
      await register();
      const before = events.length;
      const response = await register({ cseq: 2, contacts: [] });
      expect(response.status).toBe(200);
      expect(contactsOf(response)).toEqual(['<sip:alice@192.0.2.10:5060>;expires=3600']);
      expect(events.length).toBe(before);
    });

    it('stores Path (RFC 3327) and echoes it to a UA that supports it', async () => {
      const path = ['<sip:edge1.example.com;lr>', '<sip:edge2.example.com;lr>'];
      const response = await register({
        extra: ['Path: <sip:edge1.example.com;lr>, <sip:edge2.example.com;lr>', 'Supported: path'],
      });
      expect(response.getAll('path')).toEqual(path);
      expect((await bindings())[0]!.path).toEqual(path);
      const quiet = await register({ cseq: 2, extra: ['Path: <sip:edge1.example.com;lr>'] });
      expect(quiet.getAll('path')).toEqual([]);
    });

    it('refuses a Path that is not a SIP URI with 400', async () => {
      expect((await register({ extra: ['Path: <tel:+1234>'] })).status).toBe(400);
    });

    it('replaces the binding of the same +sip.instance and reg-id (RFC 5626 §6)', async () => {
      const instance = '+sip.instance="<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>"';
      await register({ contacts: [`<sip:alice@192.0.2.10:5060;ob>;${instance};reg-id=1`] });
      const response = await register({
        callId: 'new-flow',
        contacts: [`<sip:alice@203.0.113.9:6000;ob>;${instance};reg-id=1`],
      });
      expect(contactsOf(response)).toEqual([
        '<sip:alice@203.0.113.9:6000;ob>;expires=3600;+sip.instance="<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>";reg-id=1',
      ]);
      const [b] = await bindings();
      expect(b).toMatchObject({ instanceId: '"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>"', regId: 1 });
      expect(events.map((e) => [e.type, e.reason])).toEqual([
        ['registration.created', undefined],
        ['registration.removed', 'replaced'],
        ['registration.created', undefined],
      ]);
      // Another reg-id of the same instance is a second flow, kept beside the first.
      await register({
        callId: 'flow-2',
        contacts: [`<sip:alice@203.0.113.9:6002;ob>;${instance};reg-id=2`],
      });
      expect(await bindings()).toHaveLength(2);
    });

    it('says Require: outbound to a UA that supports it over its own flow (RFC 5626 §6)', async () => {
      const instance = '+sip.instance="<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>"';
      const contacts = [`<sip:alice@192.0.2.10:5060;ob>;${instance};reg-id=1`];
      const ok = await register({ contacts, extra: ['Supported: path, outbound'] });
      expect(ok.status).toBe(200);
      expect(ok.get('require')).toBe('outbound');
      // No Supported: outbound, or no reg-id: plain registration.
      expect((await register({ callId: 'b', contacts })).get('require')).toBeUndefined();
      const plain = await register({
        callId: 'c',
        contacts: ['<sip:alice@192.0.2.11:5060>'],
        extra: ['Supported: outbound'],
      });
      expect(plain.get('require')).toBeUndefined();
      // Through an edge proxy: only when its Path says it keeps the flow (;ob).
      const proxied = (path: string) => ({
        callId: `p${path.length}`,
        contacts,
        extra: [
          'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKedge',
          `Path: ${path}`,
          'Supported: outbound, path',
        ],
      });
      expect((await register(proxied('<sip:edge.example.com;lr>'))).get('require')).toBeUndefined();
      expect((await register(proxied('<sip:edge.example.com;lr;ob>'))).get('require')).toBe('outbound');
    });

    it('treats equal URIs written differently as the same binding (§19.1.4)', async () => {
      await register({ contacts: ['<sip:alice@PHONE.example.com:5060;transport=UDP>'] });
      await register({ cseq: 2, contacts: ['<sip:alice@phone.example.com:5060;transport=udp>'] });
      expect(await bindings()).toHaveLength(1);
    });
  });

  describe('limits and bad input', () => {
    it('evicts the least recently refreshed binding beyond max contacts', async () => {
      for (let i = 1; i <= 5; i++) {
        await register({ callId: `c${i}`, contacts: [`<sip:alice@192.0.2.${i}>`] });
        clock.advance(1000);
      }
      // The first phone refreshes: the second is now the oldest.
      await register({ callId: 'c1', cseq: 2, contacts: ['<sip:alice@192.0.2.1>'] });
      const response = await register({ callId: 'c6', contacts: ['<sip:alice@192.0.2.6>'] });
      expect(response.status).toBe(200);
      const contacts = (await bindings()).map((b) => b.contact).sort();
      expect(contacts).toEqual([
        'sip:alice@192.0.2.1',
        'sip:alice@192.0.2.3',
        'sip:alice@192.0.2.4',
        'sip:alice@192.0.2.5',
        'sip:alice@192.0.2.6',
      ]);
      expect(events.at(-2)).toMatchObject({
        type: 'registration.removed',
        contact: 'sip:alice@192.0.2.2',
        reason: 'evicted',
      });
    });

    it('refuses one REGISTER asking for more bindings than the limit with 403 and a Warning', async () => {
      const contacts = Array.from({ length: 6 }, (_, i) => `<sip:alice@192.0.2.${i + 1}>`);
      const response = await register({ contacts });
      expect(response.status).toBe(403);
      expect(response.get('warning')).toMatch(/^399 switchboard ".*5 contacts/);
      expect(await bindings()).toEqual([]);
    });

    it('refuses thousands of contacts with 400', async () => {
      const contacts = Array.from({ length: 2000 }, (_, i) => `<sip:a${i}@192.0.2.1>`);
      expect((await register({ contacts })).status).toBe(400);
      expect(await bindings()).toEqual([]);
    });

    it('refuses contacts that are not SIP URIs, or absurdly long, with 400', async () => {
      expect((await register({ contacts: ['<tel:+14155550100>'] })).status).toBe(400);
      expect((await register({ contacts: [`<sip:${'a'.repeat(2000)}@192.0.2.1>`] })).status).toBe(400);
      expect(
        (await register({ contacts: ['<sip:a@192.0.2.1>;reg-id=0;+sip.instance="<urn:x>"'] })).status,
      ).toBe(400);
    });

    it('answers 400 to a malformed Contact instead of throwing', async () => {
      const request = registerRequest();
      request.set('Contact', '<sip:a@192.0.2.1');
      const challenge = await registrar.process(request, phone);
      const retry = registerRequest();
      retry.set('Contact', '<sip:a@192.0.2.1');
      const response = await registrar.process(authorize(retry, challenge, 'alice', 'alice-pw'), phone);
      expect(response.status).toBe(400);
    });

    it('answers 500 and keeps memory unchanged when the store cannot save', async () => {
      store.failWrites = true;
      const response = await register();
      expect(response.status).toBe(500);
      expect(await bindings()).toEqual([]);
      expect(events).toEqual([]);
    });

    it('honours configured limits', async () => {
      build({ minExpires: 300, maxExpires: 600, defaultExpires: 400, maxContacts: 1 });
      expect((await register({ expires: '200' })).get('min-expires')).toBe('300');
      expect(contactsOf(await register({ cseq: 2 }))).toEqual(['<sip:alice@192.0.2.10:5060>;expires=400']);
      expect(
        () => new Registrar({ store, location, authenticator }, { minExpires: 100, defaultExpires: 50 }),
      ).toThrow();
    });

    it('serializes concurrent REGISTERs for one AoR', async () => {
      const requests: SipRequest[] = [];
      const challenges = await Promise.all(
        [1, 2, 3].map((i) =>
          registrar.process(
            registerRequest({ callId: `p${i}`, contacts: [`<sip:alice@192.0.2.${i}>`] }),
            phone,
          ),
        ),
      );
      for (const [n, challenge] of challenges.entries()) {
        const i = n + 1;
        requests.push(
          authorize(
            registerRequest({ callId: `p${i}`, contacts: [`<sip:alice@192.0.2.${i}>`] }),
            challenge,
            'alice',
            'alice-pw',
          ),
        );
      }
      const responses = await Promise.all(requests.map((r) => registrar.process(r, phone)));
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(contactsOf(responses[2]!)).toHaveLength(3);
    });
  });

  describe('data at hand (served domain cached, subscriber read synchronously, write-back)', () => {
    function atHand(): { registrar: Registrar; location: MemoryLocationService } {
      const synchronous = {
        hasDomain: (name: string) => store.hasDomain(name),
        getSubscriber: (username: string, domain: string) => store.subscribers.get(`${username}@${domain}`),
      };
      const memory = new MemoryLocationService({
        store,
        now: clock.now,
        sweepIntervalMs: 0,
        persistence: 'write-back',
      });
      return {
        registrar: new Registrar({ store: synchronous, location: memory, authenticator, now: clock.now }),
        location: memory,
      };
    }

    /** Hands a REGISTER to the registrar as a transaction would; the responses sent so far. */
    function handle(r: Registrar, request: SipRequest, sent: SipResponse[]): void {
      const transaction = { source: { ...phone }, respond: (response: SipResponse) => sent.push(response) };
      r.handle(request, transaction as unknown as ServerTransaction);
    }

    it('answers the 401 and the 200 within the call, and the binding is there', async () => {
      const { registrar: r, location: memory } = atHand();
      // The first REGISTER asks the store whether example.com is served; then it is cached.
      expect((await r.process(registerRequest(), phone)).status).toBe(401);
      const sent: SipResponse[] = [];
      handle(r, registerRequest(), sent);
      expect(sent.map((x) => x.status)).toEqual([401]);
      handle(r, authorize(registerRequest({ cseq: 2 }), sent[0]!, 'alice', 'alice-pw'), sent);
      expect(sent.map((x) => x.status)).toEqual([401, 200]);
      expect(memory.liveBindings(AOR)).toHaveLength(1);
      expect(memory.pendingWrites).toBe(1);
      await memory.close();
      expect(store.bindings.size).toBe(1);
    });

    it('answers a wrong password 403 and a store failure 500 within the call', async () => {
      const { registrar: r } = atHand();
      const challenge = await r.process(registerRequest(), phone);
      const sent: SipResponse[] = [];
      handle(r, authorize(registerRequest({ cseq: 2 }), challenge, 'alice', 'wrong'), sent);
      expect(sent.map((x) => x.status)).toEqual([403]);
      const failing = new Registrar({
        store: {
          hasDomain: async () => true,
          getSubscriber: () => {
            throw new Error('database is down');
          },
        },
        location,
        authenticator,
        now: clock.now,
      });
      await failing.process(registerRequest(), phone);
      const retry = authorize(registerRequest({ cseq: 3 }), challenge, 'alice', 'alice-pw');
      handle(failing, retry, sent);
      expect(sent.map((x) => x.status)).toEqual([403, 500]);
    });
  });
});
