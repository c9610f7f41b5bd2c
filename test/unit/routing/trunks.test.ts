import { beforeEach, describe, expect, it } from 'vitest';
import { BranchOutcomes, RoutingRole, TrunkDialer, type TrunkServices } from '../../../src/routing/index.js';
import { answerChallenge } from '../../../src/sip/auth/index.js';
import { parseUri } from '../../../src/sip/message/index.js';
import type { Target } from '../../../src/sip/transport/index.js';
import type { RoutingSnapshot } from '../../../src/store/index.js';
import { buildTables, Dispatcher, type GatewayHealth, zonedClock } from '../../../src/trunks/index.js';
import { FakeServerTransaction, FakeStack, flush } from '../proxy/fakes.js';
import { binding, routedRequest } from '../registrar/fakes.js';
import { gateway, route, snapshot, trunk } from '../trunks/fixtures.js';
import { options, RecordingNode, type Services, services } from './harness.js';

const phone: Target = { protocol: 'udp', address: '198.51.100.7', port: 40000 };
const carrierA: Target = { protocol: 'udp', address: '203.0.113.5', port: 5060 };
/** What each TLS connection's verified client certificate names (the transport's peerNames). */
const certificateNames = new Map<string, string[]>();

/** Carrier A (two gateways, 00 international prefix, caller ID) for 44; carrier B for everything. */
function provisioned(over: Partial<RoutingSnapshot> = {}): RoutingSnapshot {
  return snapshot({
    trunks: [
      trunk('carrier-a', {
        prefix: '00',
        callerId: '+14155550199',
        inboundCidrs: ['203.0.113.0/24'],
        inboundPrefix: '+1',
      }),
      trunk('carrier-b', { inboundUsername: 'b-in', inboundPassword: 'b-secret' }),
    ],
    gateways: [
      gateway('a1', 'carrier-a', { uri: 'sip:192.0.2.61:5060', priority: 0 }),
      gateway('a2', 'carrier-a', { uri: 'sip:192.0.2.62:5060', priority: 1 }),
      gateway('b1', 'carrier-b', { uri: 'sip:192.0.2.71:5070;transport=tcp', transport: 'tcp' }),
    ],
    routes: [route('uk', '44', 'carrier-a', { price: 0.01 }), route('world', '', 'carrier-b')],
    ...over,
  });
}

describe('trunks in the routing pipeline', () => {
  let s: Services;
  let stack: FakeStack;
  let role: RoutingRole;
  let node: RecordingNode;
  let health: Set<string>;
  let dialer: TrunkDialer;
  let dispatcher: Dispatcher;

  function build(data: RoutingSnapshot = provisioned(), failoverCodes = ['408', '5xx']): void {
    stack = new FakeStack();
    node = new RecordingNode();
    health = new Set();
    const isUp: GatewayHealth = { isUp: (id) => !health.has(id) };
    const tables = { current: buildTables(data) };
    const outcomes = new BranchOutcomes();
    const clock = zonedClock('UTC', () => Date.UTC(2025, 0, 1, 12, 0));
    dispatcher = new Dispatcher(isUp);
    dialer = new TrunkDialer(tables, dispatcher, clock, outcomes, {
      noReplyTimeout: 3000,
      failoverCodes,
    });
    const trunks: TrunkServices = {
      tables,
      dialer,
      outcomes,
      authenticator: s.authenticator,
      realm: 'trunks.test',
      peerNames: (source) => certificateNames.get(source.connectionId ?? '') ?? [],
    };
    role = new RoutingRole(stack, options, node, s, { trunks });
  }

  beforeEach(async () => {
    s = await services();
    build();
  });

  /** alice calls `to` with her credentials (after the 407), as her phone would. */
  async function aliceCalls(to: string): Promise<FakeServerTransaction> {
    const first = routedRequest({ to, from: 'sip:alice@example.com', via: '198.51.100.7:40000' });
    const challenged = new FakeServerTransaction(first, phone);
    role.onRequest(first, challenged);
    await flush();
    const challenge = challenged.responses[0]!;
    expect(challenge.status).toBe(407);
    const req = routedRequest({ to, from: 'sip:alice@example.com', via: '198.51.100.7:40000' });
    req.append(
      'Proxy-Authorization',
      answerChallenge(challenge.getAll('proxy-authenticate'), {
        username: 'alice',
        password: 'alice-pw',
        method: 'INVITE',
        uri: req.uriText,
      }),
    );
    const server = new FakeServerTransaction(req, phone);
    role.onRequest(req, server);
    await flush();
    return server;
  }

  const sentTo = () => stack.sent.map((x) => `${x.request.uriText} -> ${x.target.address}:${x.target.port}`);

  it('routes a number nobody here has to the longest prefix route, manipulated, with the trunk caller ID', async () => {
    const server = await aliceCalls('sip:+442079460000@example.com');
    expect(server.responses).toEqual([]);
    expect(sentTo()).toEqual(['sip:00442079460000@192.0.2.61:5060 -> 192.0.2.61:5060']);
    const copy = stack.sent[0]!.request;
    expect(copy.from.uri.toString()).toBe('sip:+14155550199@example.com');
    expect(copy.get('p-asserted-identity')).toBe('<sip:+14155550199@example.com>');
    // Our realm's credentials are not passed on to the carrier.
    expect(copy.has('proxy-authorization')).toBe(false);
    stack.answer(0, 200, 'gw');
    expect(server.responses.map((r) => r.status)).toEqual([200]);
  });

  it('fails over on 503 to the next gateway, then to the next route, in the same transaction', async () => {
    const server = await aliceCalls('sip:+442079460000@example.com');
    stack.answer(0, 503);
    await flush();
    stack.answer(1, 500);
    await flush();
    expect(server.responses).toEqual([]);
    expect(sentTo()).toEqual([
      'sip:00442079460000@192.0.2.61:5060 -> 192.0.2.61:5060',
      'sip:00442079460000@192.0.2.62:5060 -> 192.0.2.62:5060',
      'sip:442079460000@192.0.2.71:5070;transport=tcp -> 192.0.2.71:5070',
    ]);
    expect(['a1', 'a2', 'b1'].map((id) => dispatcher.activeCalls(id))).toEqual([0, 0, 1]);
    expect([...dialer.failovers]).toEqual([['carrier-a', 2]]);
    stack.answer(2, 180);
    stack.answer(2, 200, 'b');
    expect(server.responses.map((r) => r.status)).toEqual([180, 200]);
    expect(dialer.decisions).toEqual({ routed: 1, noRoute: 0, noGateway: 0 });
    // Answered: no INVITE in progress to any gateway (fewest-calls counts).
    expect(['a1', 'a2', 'b1'].map((id) => dispatcher.activeCalls(id))).toEqual([0, 0, 0]);
  });

  it('fails over when a gateway never answers (timeout = 408)', async () => {
    const server = await aliceCalls('sip:+442079460000@example.com');
    stack.sent[0]!.handlers.onTimeout?.(stack.sent[0]!.transaction);
    await flush();
    expect(sentTo()).toHaveLength(2);
    stack.answer(1, 200, 'a2');
    expect(server.responses.map((r) => r.status)).toEqual([200]);
  });

  it('gives a silent gateway up after the trunk noReplyTimeout and tries the next', async () => {
    const data = provisioned();
    data.trunks[0] = { ...data.trunks[0]!, noReplyTimeout: 100 };
    build(data);
    const server = await aliceCalls('sip:+442079460000@example.com');
    for (let i = 0; i < 100 && stack.sent.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(stack.sent[0]!.abandoned).toBe(true);
    expect(sentTo()).toHaveLength(2);
    stack.answer(1, 200, 'a2');
    expect(server.responses.map((r) => r.status)).toEqual([200]);
  });

  it('never fails over a 486 or 603: the callee answered', async () => {
    for (const status of [486, 603, 404]) {
      build();
      const server = await aliceCalls('sip:+442079460000@example.com');
      stack.answer(0, status);
      await flush();
      expect(stack.sent).toHaveLength(1);
      expect(server.responses.map((r) => r.status)).toEqual([status]);
    }
  });

  it('a 486 after a failed-over 503 goes to the caller: the last gateway answer decides, not the best so far', async () => {
    const server = await aliceCalls('sip:+442079460000@example.com');
    stack.answer(0, 503);
    await flush();
    stack.answer(1, 486);
    await flush();
    expect(stack.sent).toHaveLength(2);
    expect(server.responses.map((r) => r.status)).toEqual([486]);
  });

  it('a 486 after a timed-out gateway ends the failover, and the caller hears the 486, not the 408', async () => {
    const server = await aliceCalls('sip:+442079460000@example.com');
    stack.answer(0, 408);
    await flush();
    stack.answer(1, 486);
    await flush();
    // Without the branch's own status the best response so far (the 408) would have failed over.
    expect(stack.sent).toHaveLength(2);
    // RFC 3261 §16.7 step 6: within the class the proxy core ranks a 408 below a peer's answer.
    expect(server.responses.map((r) => r.status)).toEqual([486]);
  });

  it('fails over only on the configured codes', async () => {
    build(provisioned(), ['503']);
    const server = await aliceCalls('sip:+442079460000@example.com');
    stack.answer(0, 500);
    await flush();
    expect(stack.sent).toHaveLength(1);
    // A 500 upstream, as the proxy core chose it.
    expect(server.responses.map((r) => r.status)).toEqual([500]);
  });

  it('skips gateways that are down; 503 when every gateway of every route is down', async () => {
    health.add('a1');
    await aliceCalls('sip:+442079460000@example.com');
    expect(sentTo()).toEqual(['sip:00442079460000@192.0.2.62:5060 -> 192.0.2.62:5060']);
    build();
    health.add('a1').add('a2').add('b1');
    const server = await aliceCalls('sip:+442079460000@example.com');
    expect(stack.sent).toEqual([]);
    expect(server.responses.map((r) => `${r.status} ${r.reason}`)).toEqual(['503 No Gateway Available']);
    expect(dialer.decisions).toEqual({ routed: 0, noRoute: 0, noGateway: 1 });
  });

  it('404 when no route matches; local numbers stay local; no relay for callers who are not ours', async () => {
    build(provisioned({ routes: [route('uk', '44', 'carrier-a')] }));
    const server = await aliceCalls('sip:+33123456789@example.com');
    expect(server.responses.map((r) => r.status)).toEqual([404]);
    // bob's number is served here: callee lookup (480, not registered), never a trunk.
    const local = await aliceCalls('sip:+14155550100@example.com');
    expect(local.responses.map((r) => r.status)).toEqual([480]);
    // A stranger (From another domain, no credentials) dialling out: 404, nothing sent.
    const req = routedRequest({ to: 'sip:+442079460000@example.com', from: 'sip:eve@evil.example' });
    const stranger = new FakeServerTransaction(req, phone);
    role.onRequest(req, stranger);
    await flush();
    expect(stranger.responses.map((r) => r.status)).toEqual([404]);
    expect(stack.sent).toEqual([]);
  });

  it('a user part that is no number is not routed off-net: 404, nothing sent', async () => {
    for (const to of ['sip:+44abc@example.com', 'sip:nobody@example.com', 'sip:*97@example.com']) {
      const server = await aliceCalls(to);
      expect(
        server.responses.map((r) => r.status),
        to,
      ).toEqual([404]);
    }
    expect(stack.sent).toEqual([]);
  });

  it("branches carry the trunk's reply and ring timeouts (node default when unset)", () => {
    const data = provisioned();
    data.trunks[1] = { ...data.trunks[1]!, noReplyTimeout: 1500, noAnswerTimeout: 45_000 };
    build(data);
    const invite = routedRequest({ to: 'sip:+33123@example.com' });
    const toA = dialer.next(dialer.plan('442079460000', 'c1')!, invite)!;
    expect([toA.noReplyTimeout, toA.noAnswerTimeout]).toEqual([3000, undefined]);
    const toB = dialer.next(dialer.plan('33123', 'c2')!, invite)!;
    expect([toB.noReplyTimeout, toB.noAnswerTimeout]).toEqual([1500, 45_000]);
    // A ring timeout bounds INVITEs only: nothing else rings.
    const message = routedRequest({ method: 'MESSAGE', to: 'sip:+33123@example.com' });
    expect(dialer.next(dialer.plan('33123', 'c3')!, message)!.noAnswerTimeout).toBeUndefined();
  });

  describe('inbound', () => {
    beforeEach(async () => {
      await s.location.update('sip:bob@example.com', {
        remove: [],
        add: [
          binding({
            aor: 'sip:bob@example.com',
            contact: 'sip:bob@10.0.0.5:5062',
            expiresAt: s.clock.t + 60_000,
          }),
        ],
      });
    });

    it('a call from a trunk network to a DID at our address reaches the subscriber, no authentication', async () => {
      // Carrier A sends national numbers: its inbound prefix +1 makes them E.164.
      const req = routedRequest({
        to: 'sip:4155550100@192.0.2.10',
        from: 'sip:alice@example.com',
        via: '203.0.113.5:5060',
      });
      const server = new FakeServerTransaction(req, carrierA);
      role.onRequest(req, server);
      await flush();
      expect(server.responses).toEqual([]);
      expect(stack.sent.map((x) => x.request.uriText)).toEqual(['sip:bob@10.0.0.5:5062']);
    });

    it('a call to the Contact registered for a trunk takes the DID from To', async () => {
      build(
        provisioned({
          trunks: [
            trunk('carrier-a', {
              inboundCidrs: ['203.0.113.0/24'],
              registration: {
                registrar: 'sip:reg.a.example',
                username: 'acct 1',
                password: 'x',
                expires: 60,
              },
            }),
          ],
        }),
      );
      // Kamailio's lookup("location") puts our Contact (user: the registration username) in the
      // Request-URI and leaves the DID in To.
      const req = routedRequest({ to: 'sip:+14155550100@reg.a.example', via: '203.0.113.5:5060' });
      req.uri = parseUri('sip:acct%201@192.0.2.10:5060');
      const server = new FakeServerTransaction(req, carrierA);
      role.onRequest(req, server);
      await flush();
      expect(server.responses).toEqual([]);
      expect(stack.sent.map((x) => x.request.uriText)).toEqual(['sip:bob@10.0.0.5:5062']);
      // Another user at our address is still read from the Request-URI.
      const other = routedRequest({ to: 'sip:+14155550100@reg.a.example', via: '203.0.113.5:5060' });
      other.uri = parseUri('sip:acct2@192.0.2.10:5060');
      const refused = new FakeServerTransaction(other, carrierA);
      role.onRequest(other, refused);
      await flush();
      expect(refused.responses.map((r) => r.status)).toEqual([404]);
    });

    it('a TLS connection whose verified certificate names a trunk is that trunk, whatever its address', async () => {
      build(
        provisioned({
          trunks: [
            trunk('carrier-c', { inboundTlsName: 'edge.carrier-c.example', inboundPrefix: '+1' }),
            trunk('carrier-b', { inboundUsername: 'b-in', inboundPassword: 'b-secret' }),
          ],
        }),
      );
      certificateNames.set('tls-7', ['other.example', 'edge.carrier-c.example']);
      certificateNames.set('tls-8', ['stranger.example']);
      const from = (connectionId: string): Target => ({
        protocol: 'tls',
        address: '192.0.2.99',
        port: 40001,
        connectionId,
      });
      const req = routedRequest({ to: 'sip:4155550100@192.0.2.10', via: '192.0.2.99:40001' });
      const server = new FakeServerTransaction(req, from('tls-7'));
      role.onRequest(req, server);
      await flush();
      expect(server.responses).toEqual([]);
      expect(stack.sent.map((x) => x.request.uriText)).toEqual(['sip:bob@10.0.0.5:5062']);
      // Another certificate (or none) from the same address proves nothing: challenged as a stranger.
      for (const connectionId of ['tls-8', 'tls-9']) {
        const other = routedRequest({ to: 'sip:+14155550100@192.0.2.10', via: '192.0.2.99:40001' });
        const refused = new FakeServerTransaction(other, from(connectionId));
        role.onRequest(other, refused);
        await flush();
        expect(refused.responses.map((r) => r.status)).toEqual([407]);
      }
      expect(stack.sent).toHaveLength(1);
    });

    it('404 for a DID nobody has, and for a Request-URI that is no number', async () => {
      for (const to of ['sip:4155550111@192.0.2.10', 'sip:support@192.0.2.10']) {
        const req = routedRequest({ to, from: 'sip:x@carrier-a.example', via: '203.0.113.5:5060' });
        const server = new FakeServerTransaction(req, carrierA);
        role.onRequest(req, server);
        await flush();
        expect(server.responses.map((r) => r.status)).toEqual([404]);
      }
      expect(stack.sent).toEqual([]);
    });

    it('a trunk authenticating with credentials: 407 in the trunk realm, then routed; wrong password 403', async () => {
      const to = 'sip:+14155550100@192.0.2.10';
      const first = routedRequest({ to, from: 'sip:+33999@carrier-b.example', via: '192.0.2.200:5060' });
      const stranger: Target = { protocol: 'udp', address: '192.0.2.200', port: 5060 };
      const challenged = new FakeServerTransaction(first, stranger);
      role.onRequest(first, challenged);
      await flush();
      const challenge = challenged.responses[0]!;
      expect(challenge.status).toBe(407);
      expect(challenge.get('proxy-authenticate')).toContain('realm="trunks.test"');
      for (const [password, expected] of [
        ['wrong', [403]],
        ['b-secret', []],
      ] as const) {
        const req = routedRequest({ to, from: 'sip:+33999@carrier-b.example', via: '192.0.2.200:5060' });
        req.append(
          'Proxy-Authorization',
          answerChallenge(challenge.getAll('proxy-authenticate'), {
            username: 'b-in',
            password,
            method: 'INVITE',
            uri: req.uriText,
          }),
        );
        const server = new FakeServerTransaction(req, stranger);
        role.onRequest(req, server);
        await flush();
        expect(server.responses.map((r) => r.status)).toEqual(expected);
      }
      expect(stack.sent.map((x) => x.request.uriText)).toEqual(['sip:bob@10.0.0.5:5062']);
      expect(stack.sent[0]!.request.has('proxy-authorization')).toBe(false);
    });
  });
});
