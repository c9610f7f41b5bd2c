import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig, type SwitchboardConfig } from '../../src/config/index.js';
import type { RegistrationEvent } from '../../src/events/index.js';
import { type NodeOverrides, type RunningNode, startNode } from '../../src/node.js';
import { answerChallenge, DigestAuthenticator } from '../../src/sip/auth/index.js';
import type { SipRequest, SipResponse } from '../../src/sip/message/index.js';
import { PostgresProvisioningStore, SQLITE_FILE, SqliteProvisioningStore } from '../../src/store/index.js';
import { PG_URL, postgresSkipReason, uniqueSchema } from '../unit/store/pg-harness.js';
import { answer, SipSocket } from './sip-socket.js';

const DOMAIN = 'example.com';
const BOB_NUMBER = '+14155550100';

/** A UAC over a raw UDP socket: REGISTER and INVITE through the digest round trips. */
class Phone {
  private seq = 0;
  private cseq = 0;
  constructor(
    readonly socket: SipSocket,
    readonly user: string,
    readonly password: string,
    private readonly nodePort: () => number,
  ) {}

  get port(): number {
    return this.socket.port;
  }

  private branch(): string {
    return `z9hG4bK-${this.user}-${++this.seq}-${Date.now()}`;
  }

  /** One REGISTER; every one takes the next CSeq of the phone's Call-ID (RFC 3261 §10.2). */
  register(
    options: {
      contact?: string;
      expires?: number;
      authorization?: string;
      cseq?: number;
      route?: string;
    } = {},
  ): void {
    const contact = options.contact ?? `<sip:${this.user}@127.0.0.1:${this.port}>`;
    this.socket.send(
      [
        `REGISTER sip:${DOMAIN} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${this.branch()};rport`,
        'Max-Forwards: 70',
        ...(options.route ? [`Route: ${options.route}`] : []),
        `From: <sip:${this.user}@${DOMAIN}>;tag=r-${this.user}`,
        `To: <sip:${this.user}@${DOMAIN}>`,
        `Call-ID: reg-${this.user}-${this.port}@127.0.0.1`,
        `CSeq: ${options.cseq ?? ++this.cseq} REGISTER`,
        `Contact: ${contact}`,
        `Expires: ${options.expires ?? 3600}`,
        ...(options.authorization ? [`Authorization: ${options.authorization}`] : []),
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
      this.nodePort(),
    );
  }

  /** REGISTER, answer the 401, and return the final response. */
  async registerWithAuth(
    options: { contact?: string; expires?: number; route?: string } = {},
  ): Promise<SipResponse> {
    this.register(options);
    const challenge = await this.socket.response(401, 'REGISTER');
    const authorization = answerChallenge(challenge.getAll('www-authenticate'), {
      username: this.user,
      password: this.password,
      method: 'REGISTER',
      uri: `sip:${DOMAIN}`,
    });
    this.register({ ...options, authorization });
    return this.socket.take<SipResponse>((m) => !m.isRequest && (m as SipResponse).status >= 200);
  }

  inviteText(
    target: string,
    callId: string,
    cseq: number,
    branch: string,
    from = `${this.user}@${DOMAIN}`,
    extra: string[] = [],
  ): string {
    return [
      `INVITE ${target} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${branch};rport`,
      'Max-Forwards: 70',
      `From: <sip:${from}>;tag=i-${callId}`,
      `To: <${target}>`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} INVITE`,
      `Contact: <sip:${this.user}@127.0.0.1:${this.port}>`,
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
  }

  /** INVITE through the 407 round trip (ACKing the 407); resolves once the authorized INVITE is sent. */
  /** INVITE, answer the 407, send the authenticated INVITE; returns its branch. */
  async inviteWithAuth(target: string, callId: string): Promise<string> {
    const first = this.branch();
    this.socket.send(this.inviteText(target, callId, 1, first), this.nodePort());
    const challenge = await this.socket.response(407, 'INVITE');
    this.socket.send(ackFor(challenge, target, first, this.port), this.nodePort());
    const credentials = answerChallenge(challenge.getAll('proxy-authenticate'), {
      username: this.user,
      password: this.password,
      method: 'INVITE',
      uri: target,
    });
    const branch = this.branch();
    this.socket.send(
      this.inviteText(target, callId, 2, branch, undefined, [`Proxy-Authorization: ${credentials}`]),
      this.nodePort(),
    );
    return branch;
  }

  /** RFC 3261 §9.1: the CANCEL of the authenticated INVITE (CSeq 2): same branch, Call-ID, From, To. */
  cancel(target: string, callId: string, branch: string): void {
    const text = this.inviteText(target, callId, 2, branch)
      .replace(/^INVITE /, 'CANCEL ')
      .replace('CSeq: 2 INVITE', 'CSeq: 2 CANCEL');
    this.socket.send(text, this.nodePort());
  }
}

/** RFC 3261 §17.1.1.3: the ACK for a non-2xx final response, same branch as the INVITE. */
function ackFor(response: SipResponse, target: string, branch: string, port: number): string {
  return [
    `ACK ${target} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=${branch};rport`,
    'Max-Forwards: 70',
    `From: ${response.get('from')}`,
    `To: ${response.get('to')}`,
    `Call-ID: ${response.callId}`,
    `CSeq: ${response.cseq.seq} ACK`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

type Backend = 'sqlite' | 'postgres';
// The same suite runs on the embedded SQLite store and on PostgreSQL (skipped, naming the server,
// when it is unreachable; a failure under SWITCHBOARD_REQUIRE_PEERS=1).
const pgSkip = await postgresSkipReason();
for (const backend of ['sqlite', 'postgres'] as Backend[]) registrarSuite(backend);

function registrarSuite(backend: Backend): void {
  const skip = backend === 'postgres' ? pgSkip : undefined;
  describe.skipIf(skip !== undefined)(
    `a node as registrar and proxy for its subscribers over UDP (${backend} store${skip ? `: ${skip}` : ''})`,
    () => {
      let dataDir: string;
      let schema: string | undefined;
      let config: SwitchboardConfig;
      let node: RunningNode;
      let port = 0;
      let sockets: SipSocket[] = [];
      let events: RegistrationEvent[];

      beforeAll(async () => {
        dataDir = mkdtempSync(join(tmpdir(), 'sb-registrar-it-'));
        schema = backend === 'postgres' ? uniqueSchema() : undefined;
        const store = schema
          ? await PostgresProvisioningStore.open(PG_URL, { schema })
          : await SqliteProvisioningStore.open(join(dataDir, SQLITE_FILE));
        await store.addDomain(DOMAIN);
        for (const name of ['alice', 'bob', 'carol']) {
          await store.addSubscriber({ username: name, domain: DOMAIN, password: `${name}-Secret-1` });
        }
        await store.addAlias({ alias: BOB_NUMBER, domain: DOMAIN, username: 'bob', kind: 'number' });
        await store.close();
      });

      afterAll(async () => {
        rmSync(dataDir, { recursive: true, force: true });
        if (schema) {
          const admin = new pg.Client({ connectionString: PG_URL });
          await admin.connect();
          await admin.query(`drop schema if exists ${schema} cascade`);
          await admin.end();
        }
      });

      async function start(overrides: NodeOverrides = {}): Promise<void> {
        node = await startNode(config, pino({ level: 'silent' }), overrides);
        port = node.listening[0]!.port;
        node.events.subscribe('registration.*', (e) => events.push(e));
      }

      beforeEach(async () => {
        config = defaultConfig();
        config.api.port = 0;
        config.dataDir = dataDir;
        if (schema) config.store = { url: `${PG_URL}?schema=${schema}` };
        config.sip.port = 0;
        config.sip.listen = ['127.0.0.1'];
        config.sip.transports = ['udp'];
        config.sip.timers = { t1: 100, t2: 400, t4: 500 };
        events = [];
        await start();
      });

      afterEach(async () => {
        // Leave no binding behind for the next test (they share the SQLite file).
        for (const aor of ['alice', 'bob', 'carol']) {
          const location = node.services!.location;
          const bindings = await location.lookup(`sip:${aor}@${DOMAIN}`);
          await location.update(`sip:${aor}@${DOMAIN}`, { remove: bindings, add: [] });
        }
        await node.stop();
        for (const s of sockets) s.close();
        sockets = [];
      });

      async function phone(user: string): Promise<Phone> {
        const socket = await SipSocket.open();
        sockets.push(socket);
        return new Phone(socket, user, `${user}-Secret-1`, () => port);
      }

      it('registers through the 401 round trip and answers with the binding', async () => {
        const alice = await phone('alice');
        alice.register();
        const challenge = await alice.socket.response(401, 'REGISTER');
        expect(challenge.getAll('www-authenticate')[0]).toContain(`realm="${DOMAIN}"`);
        const ok = await alice.registerWithAuth();
        expect(ok.status).toBe(200);
        expect(ok.getAll('contact')).toEqual([`<sip:alice@127.0.0.1:${alice.port}>;expires=3600`]);
        expect(ok.has('date')).toBe(true);
        expect(events.map((e) => [e.type, e.aor])).toEqual([['registration.created', `sip:alice@${DOMAIN}`]]);
      });

      it('refuses a wrong password with 403', async () => {
        const mallory = new Phone((await phone('alice')).socket, 'alice', 'not-her-password', () => port);
        expect((await mallory.registerWithAuth()).status).toBe(403);
        expect(await node.services!.location.lookup(`sip:alice@${DOMAIN}`)).toEqual([]);
      });

      it('challenges a call from a subscriber with 407, then forks it to where the callee registered from', async () => {
        const alice = await phone('alice');
        const bob = await phone('bob');
        expect((await alice.registerWithAuth()).status).toBe(200);
        // Bob's Contact names a private address: requests must reach the socket his REGISTER came from.
        expect((await bob.registerWithAuth({ contact: '<sip:bob@10.0.0.99:5060>' })).status).toBe(200);

        await alice.inviteWithAuth(`sip:bob@${DOMAIN}`, 'call-1');
        const invite = await bob.socket.request('INVITE');
        expect(invite.uriText).toBe('sip:bob@10.0.0.99:5060');
        expect(invite.get('to')).toBe(`<sip:bob@${DOMAIN}>`);
        expect(invite.has('proxy-authorization')).toBe(false);
        expect(invite.getAll('record-route')).toEqual([`<sip:127.0.0.1:${port};lr>`]);
        bob.socket.send(answer(invite, 180, 'Ringing', [], 'b-1'), port);
        await alice.socket.response(180, 'INVITE');
        bob.socket.send(answer(invite, 200, 'OK', ['Contact: <sip:bob@10.0.0.99:5060>'], 'b-1'), port);
        expect((await alice.socket.response(200, 'INVITE')).to.tag).toBe('b-1');
      });

      it('forks in parallel to every contact of equal q', async () => {
        const alice = await phone('alice');
        const desk = await phone('bob');
        const mobile = await phone('bob');
        await alice.registerWithAuth();
        await desk.registerWithAuth();
        await mobile.registerWithAuth();
        await alice.inviteWithAuth(`sip:bob@${DOMAIN}`, 'call-fork');
        const [a, b] = await Promise.all([desk.socket.request('INVITE'), mobile.socket.request('INVITE')]);
        expect(a.topVia!.branch).not.toBe(b.topVia!.branch);
        desk.socket.send(answer(a, 486, 'Busy Here', [], 'd'), port);
        mobile.socket.send(answer(b, 486, 'Busy Here', [], 'm'), port);
        await alice.socket.response(486, 'INVITE');
      });

      it('answers 480 for a subscriber with no registration, 404 for nobody', async () => {
        const alice = await phone('alice');
        await alice.registerWithAuth();
        await alice.inviteWithAuth(`sip:carol@${DOMAIN}`, 'call-480');
        await alice.socket.response(480, 'INVITE');
        await alice.inviteWithAuth(`sip:nobody@${DOMAIN}`, 'call-404');
        await alice.socket.response(404, 'INVITE');
        await alice.inviteWithAuth(`sip:robert'%20OR%201=1;--@${DOMAIN}`, 'call-sql');
        await alice.socket.response(404, 'INVITE');
      });

      it("routes a call to a number (DID) to its subscriber's contacts", async () => {
        const alice = await phone('alice');
        const bob = await phone('bob');
        await alice.registerWithAuth();
        await bob.registerWithAuth();
        await alice.inviteWithAuth(`sip:${BOB_NUMBER}@${DOMAIN};user=phone`, 'call-did');
        const invite = await bob.socket.request('INVITE');
        expect(invite.uriText).toBe(`sip:bob@127.0.0.1:${bob.port}`);
      });

      it('routes a call from another domain to a subscriber without a challenge', async () => {
        const bob = await phone('bob');
        const peer = await phone('peer');
        await bob.registerWithAuth();
        peer.socket.send(
          peer.inviteText(`sip:bob@${DOMAIN}`, 'call-ext', 1, 'z9hG4bK-ext-1', 'someone@carrier.example.net'),
          port,
        );
        const invite = await bob.socket.request('INVITE');
        expect(invite.callId).toBe('call-ext');
      });

      it('refuses to relay a call to a domain it does not serve', async () => {
        const alice = await phone('alice');
        alice.socket.send(
          alice.inviteText('sip:someone@elsewhere.example.org', 'call-relay', 1, 'z9hG4bK-relay-1'),
          port,
        );
        await alice.socket.response(403, 'INVITE');
      });

      it("is no open relay by Route: a stranger's preloaded Route to elsewhere is dropped, a dialog's is refused", async () => {
        const peer = await phone('peer');
        const victim = await phone('victim');
        const route = `Route: <sip:127.0.0.1:${victim.port};lr>`;
        peer.socket.send(
          peer.inviteText(
            'sip:someone@elsewhere.example.org',
            'call-route',
            1,
            'z9hG4bK-route-1',
            'x@carrier.example.net',
            [route],
          ),
          port,
        );
        await peer.socket.response(403, 'INVITE');
        const bye = peer
          .inviteText(
            'sip:someone@elsewhere.example.org',
            'call-route-2',
            2,
            'z9hG4bK-route-2',
            'x@carrier.example.net',
            [route],
          )
          .replace('INVITE sip:', 'BYE sip:')
          .replace('CSeq: 2 INVITE', 'CSeq: 2 BYE')
          .replace(/^To: (.*)$/m, 'To: $1;tag=remote');
        peer.socket.send(bye, port);
        await peer.socket.response(403, 'BYE');
        await new Promise((r) => setTimeout(r, 100));
        expect(victim.socket.received.filter((m) => 'method' in m)).toHaveLength(0);
      });

      it('keeps registrations across a restart (persistent store)', async () => {
        const bob = await phone('bob');
        const alice = await phone('alice');
        await bob.registerWithAuth();
        await node.stop();
        await start();
        expect(await node.services!.location.lookup(`sip:bob@${DOMAIN}`)).toHaveLength(1);
        await alice.inviteWithAuth(`sip:bob@${DOMAIN}`, 'call-after-restart');
        const invite = await bob.socket.request('INVITE');
        expect(invite.uriText).toBe(`sip:bob@127.0.0.1:${bob.port}`);
      });

      it('removes a binding on REGISTER with Expires: 0 and then answers 480', async () => {
        const alice = await phone('alice');
        const bob = await phone('bob');
        await alice.registerWithAuth();
        await bob.registerWithAuth();
        const gone = await bob.registerWithAuth({ expires: 0 });
        expect(gone.status).toBe(200);
        expect(gone.getAll('contact')).toEqual([]);
        expect(events.at(-1)).toMatchObject({ type: 'registration.removed', aor: `sip:bob@${DOMAIN}` });
        await alice.inviteWithAuth(`sip:bob@${DOMAIN}`, 'call-gone');
        await alice.socket.response(480, 'INVITE');
      });

      it('sends calls through the Path a REGISTER came with (RFC 3327), not to its source', async () => {
        const alice = await phone('alice');
        const bob = await phone('bob');
        const edge = await SipSocket.open();
        sockets.push(edge);
        const path = `<sip:127.0.0.1:${edge.port};lr>`;
        await alice.registerWithAuth();
        bob.register();
        const challenge = await bob.socket.response(401, 'REGISTER');
        const authorization = answerChallenge(challenge.getAll('www-authenticate'), {
          username: 'bob',
          password: bob.password,
          method: 'REGISTER',
          uri: `sip:${DOMAIN}`,
        });
        // The Path header rides along: bob's phone stands in for the edge proxy that added it.
        bob.socket.send(
          [
            `REGISTER sip:${DOMAIN} SIP/2.0`,
            `Via: SIP/2.0/UDP 127.0.0.1:${bob.port};branch=z9hG4bK-path-2;rport`,
            'Max-Forwards: 70',
            `From: <sip:bob@${DOMAIN}>;tag=p`,
            `To: <sip:bob@${DOMAIN}>`,
            'Call-ID: path-call',
            'CSeq: 1 REGISTER',
            'Contact: <sip:bob@10.0.0.7:5060>',
            `Path: ${path}`,
            'Supported: path',
            `Authorization: ${authorization}`,
            'Content-Length: 0',
            '',
            '',
          ].join('\r\n'),
          port,
        );
        const ok = await bob.socket.response(200, 'REGISTER');
        expect(ok.getAll('path')).toEqual([path]);
        await alice.inviteWithAuth(`sip:bob@${DOMAIN}`, 'call-path');
        const invite = await edge.request('INVITE');
        expect(invite.uriText).toBe('sip:bob@10.0.0.7:5060');
        expect(invite.getAll('route')).toEqual([path]);
      });

      it('expires a binding that is not refreshed, with an event, and then answers 480', async () => {
        await node.stop();
        await start({ registrar: { minExpires: 1, defaultExpires: 1 } });
        const alice = await phone('alice');
        const bob = await phone('bob');
        await alice.registerWithAuth({ expires: 60 });
        expect((await bob.registerWithAuth({ expires: 1 })).getAll('contact')).toEqual([
          `<sip:bob@127.0.0.1:${bob.port}>;expires=1`,
        ]);
        await new Promise((r) => setTimeout(r, 2200));
        expect(events.at(-1)).toMatchObject({
          type: 'registration.expired',
          aor: `sip:bob@${DOMAIN}`,
          expires: 0,
        });
        await alice.inviteWithAuth(`sip:bob@${DOMAIN}`, 'call-expired');
        await alice.socket.response(480, 'INVITE');
      });

      it('answers a CANCEL that arrives while the INVITE is still being routed: 200, 487, nothing forwarded', async () => {
        await node.stop();
        // Routing waits on the store and the location; a slow credential check holds it open.
        const real = new DigestAuthenticator({ checkUri: false });
        await start({
          authenticator: {
            challenge: (realm, options) => real.challenge(realm, options),
            verify: async (request, options) => {
              await new Promise((r) => setTimeout(r, 300));
              return real.verify(request, options);
            },
          },
        });
        const alice = await phone('alice');
        const bob = await phone('bob');
        await bob.registerWithAuth();
        const target = `sip:bob@${DOMAIN}`;
        const branch = await alice.inviteWithAuth(target, 'call-cancel-routing');
        await new Promise((r) => setTimeout(r, 50));
        alice.cancel(target, 'call-cancel-routing', branch);
        expect((await alice.socket.response(200, 'CANCEL')).status).toBe(200);
        expect((await alice.socket.response(487, 'INVITE')).status).toBe(487);
        await new Promise((r) => setTimeout(r, 500));
        expect(bob.socket.received.some((m) => m.isRequest && (m as SipRequest).method === 'INVITE')).toBe(
          false,
        );
      });

      it('challenges with MD5 alone by default, and per domain once a domain opts in to SHA-256', async () => {
        const algorithms = (values: string[]) => values.map((v) => /algorithm=([\w-]+)/.exec(v)?.[1]);
        const alice = await phone('alice');
        alice.register();
        expect(algorithms((await alice.socket.response(401, 'REGISTER')).getAll('www-authenticate'))).toEqual(
          ['MD5'],
        );
        // What `switchboard domain set example.com --auth-algorithms SHA-256,MD5` writes; a node reads
        // it at start (and every few seconds while it runs).
        const optIn = async (authAlgorithms: Array<'MD5' | 'SHA-256'> | null) => {
          await node.services!.store.updateDomain(DOMAIN, { authAlgorithms });
          await node.stop();
          await start();
        };
        try {
          await optIn(['SHA-256', 'MD5']);
          alice.register();
          const challenge = await alice.socket.response(401, 'REGISTER');
          expect(algorithms(challenge.getAll('www-authenticate'))).toEqual(['SHA-256', 'MD5']);
          expect((await alice.registerWithAuth()).status).toBe(200);
          const target = `sip:bob@${DOMAIN}`;
          const branch = `z9hG4bK-sha-${Date.now()}`;
          alice.socket.send(alice.inviteText(target, `sha-${Date.now()}`, 1, branch), port);
          const proxyChallenge = await alice.socket.response(407, 'INVITE');
          alice.socket.send(ackFor(proxyChallenge, target, branch, alice.port), port);
          expect(algorithms(proxyChallenge.getAll('proxy-authenticate'))).toEqual(['SHA-256', 'MD5']);

          // SHA-256 alone: an MD5 answer to its nonce is refused, not accepted through the node's MD5.
          await optIn(['SHA-256']);
          alice.register();
          const [sha] = (await alice.socket.response(401, 'REGISTER')).getAll('www-authenticate');
          expect(algorithms([sha!])).toEqual(['SHA-256']);
          const md5 = answerChallenge(sha!.replace('algorithm=SHA-256', 'algorithm=MD5'), {
            username: 'alice',
            password: alice.password,
            method: 'REGISTER',
            uri: `sip:${DOMAIN}`,
          });
          alice.register({ authorization: md5 });
          const refused = await alice.socket.take<SipResponse>(
            (m) => !m.isRequest && (m as SipResponse).status >= 200,
          );
          expect(refused.status).toBe(403);
        } finally {
          await optIn(null);
        }
      });

      it('with auth.nonceSecret, accepts after a restart the nonce it handed out before', async () => {
        await node.stop();
        config.auth.nonceSecret = 'a-secret-shared-by-the-nodes-of-one-cluster';
        await start();
        const alice = await phone('alice');
        alice.register();
        const challenge = await alice.socket.response(401, 'REGISTER');
        await node.stop();
        await start(); // a new process would mint with the same key: the nonce is still good
        const authorization = answerChallenge(challenge.getAll('www-authenticate'), {
          username: 'alice',
          password: alice.password,
          method: 'REGISTER',
          uri: `sip:${DOMAIN}`,
        });
        alice.register({ authorization });
        const ok = await alice.socket.take<SipResponse>(
          (m) => !m.isRequest && (m as SipResponse).status >= 200,
        );
        expect(ok.status).toBe(200);
      });

      it('applies the registrar.* configuration keys: Min-Expires, the maximum, and contacts per AoR', async () => {
        await node.stop();
        config.registrar = { minExpires: 120, maxExpires: 600, defaultExpires: 300, maxContacts: 1 };
        await start();
        const alice = await phone('alice');
        const tooShort = await alice.registerWithAuth({ expires: 90 });
        expect(tooShort.status).toBe(423);
        expect(tooShort.get('min-expires')).toBe('120');
        const ok = await alice.registerWithAuth({ expires: 3600 });
        expect(ok.getAll('contact')).toEqual([`<sip:alice@127.0.0.1:${alice.port}>;expires=600`]);
        // A second device replaces the first: one binding per AoR.
        await alice.registerWithAuth({ contact: '<sip:alice@10.0.0.8:5060>' });
        const bindings = await node.services!.location.lookup(`sip:alice@${DOMAIN}`);
        expect(bindings.map((b) => b.contact)).toEqual(['sip:alice@10.0.0.8:5060']);
      });

      it('registers through a preloaded Route to the node (a phone with an outbound proxy set)', async () => {
        // With the domain also among the node's own names, the Request-URI must not be taken for a
        // strict router's (RFC 3261 §16.4): it is the domain, not a Record-Route of ours.
        await node.stop();
        config.proxy.domains = [DOMAIN];
        await start();
        const alice = await phone('alice');
        const ok = await alice.registerWithAuth({ route: `<sip:127.0.0.1:${port};lr>` });
        expect(ok.status).toBe(200);
        expect(await node.services!.location.lookup(`sip:alice@${DOMAIN}`)).toHaveLength(1);
      });
    },
  );
}
