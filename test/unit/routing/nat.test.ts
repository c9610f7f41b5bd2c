import { describe, expect, it } from 'vitest';
import { DEFAULT_NAT_TESTS } from '../../../src/edge/nat/index.js';
import { RoutingContext, RoutingRole } from '../../../src/routing/index.js';
import { Relay } from '../../../src/routing/relay.js';
import { CalleeLookup } from '../../../src/routing/stages/callee-lookup.js';
import { InDialog } from '../../../src/routing/stages/in-dialog.js';
import { NatTraversal } from '../../../src/routing/stages/nat.js';
import { StaticRouting } from '../../../src/routing/stages/static-routing.js';
import { invite, natSource, ok, privateSdp } from '../edge/nat/messages.js';
import { FakeServerTransaction, FakeStack, flush } from '../proxy/fakes.js';
import { binding } from '../registrar/fakes.js';
import { options, RecordingNode, routes, services } from './harness.js';

const nat = (over: Partial<NatTraversal['options']> = {}) =>
  new NatTraversal({ detect: DEFAULT_NAT_TESTS, contactAlias: true, sdpRepair: true, ...over });

describe('the nat stage (Kamailio NATDETECT / NATMANAGE)', () => {
  it('aliases a NATed caller’s Contact and repairs its SDP on every relayed copy, never deciding', async () => {
    const stage = nat();
    const request = invite({ sdp: privateSdp });
    const server = new FakeServerTransaction(request);
    const context = new RoutingContext(natSource, server);
    expect(stage.decide(request, context)).toMatchObject({ kind: 'continue' });
    expect(context.nat).toBe(stage);
    expect(request.get('contact')).toBe('<sip:alice@192.168.1.20:5060;alias=203.0.113.9~40312~1>');
    // The SDP is repaired in what is relayed, not in the request a role would take over.
    expect(request.body.toString()).toContain('c=IN IP4 192.168.1.20');
    const stack = new FakeStack();
    new Relay(stack, options, []).forward(
      request,
      server,
      [{ uri: request.uri, nextHop: { protocol: 'udp', address: '198.51.100.30', port: 5060 } }],
      context,
    );
    await flush();
    const copy = stack.sent[0]!.request;
    expect(copy.body.toString()).not.toContain('192.168.1.20');
    expect(copy.body.toString()).toContain('c=IN IP4 203.0.113.9');
    expect(copy.get('content-length')).toBe(String(copy.body.length));
  });

  it('leaves phones that are not behind NAT, REGISTERs, later hops and a switched-off repair alone', () => {
    const direct = invite({
      via: '203.0.113.9:40312',
      contact: '<sip:alice@203.0.113.9:40312>',
      sdp: privateSdp,
    });
    const ctx = new RoutingContext(natSource, undefined);
    nat().decide(direct, ctx);
    expect(direct.get('contact')).toBe('<sip:alice@203.0.113.9:40312>');
    expect(ctx.prepare).toBeUndefined();

    const secondHop = invite({ extraVia: 'SIP/2.0/UDP 192.168.1.1:5060;branch=z9hG4bK-p' });
    nat().decide(secondHop, new RoutingContext(natSource, undefined));
    expect(secondHop.get('contact')).toBe('<sip:alice@192.168.1.20:5060>');

    const noRepair = new RoutingContext(natSource, undefined);
    nat({ sdpRepair: false, contactAlias: false }).decide(invite({ sdp: privateSdp }), noRepair);
    expect(noRepair.prepare).toBeUndefined();
  });

  it('sends an in-dialog request for an aliased Contact to the NAT binding, with the alias removed', () => {
    const stage = nat();
    const staticRouting = new StaticRouting(routes(), new RecordingNode());
    const inDialog = new InDialog(routes(), staticRouting, true);
    const bye = invite({
      uri: 'sip:alice@192.168.1.20:5060;alias=203.0.113.9~40312~1',
      via: '198.51.100.30:5060',
      toTag: 'b',
      contact: '<sip:bob@198.51.100.30:5060>',
    });
    bye.prepend('Route', '<sip:192.0.2.10;lr>');
    const context = new RoutingContext({ protocol: 'udp', address: '198.51.100.30', port: 5060 }, undefined);
    stage.decide(bye, context);
    const decision = inDialog.decide(bye, context);
    expect(decision.kind).toBe('forward');
    if (decision.kind !== 'forward') return;
    expect(decision.targets[0]!.uri.toString()).toBe('sip:alice@192.168.1.20:5060');
    expect(decision.targets[0]!.nextHop).toEqual(natSource);
    // A re-INVITE's answer from behind that NAT is aliased and repaired too.
    const answer = ok('<sip:alice@192.168.1.20:5060>', privateSdp);
    decision.targets[0]!.prepareResponse?.(answer);
    expect(answer.get('contact')).toBe('<sip:alice@192.168.1.20:5060;alias=203.0.113.9~40312~1>');
    expect(answer.body.toString()).not.toContain('192.168.1.20');
  });

  it('marks branches to NATed registrations so their answers are aliased and repaired', async () => {
    const s = await services();
    const aor = 'sip:bob@example.com';
    const natedBob = binding({
      aor,
      contact: 'sip:bob@10.0.0.7:5062',
      expiresAt: s.clock.t + 60_000,
      source: natSource,
    });
    const publicBob = binding({
      aor,
      contact: 'sip:bob@198.51.100.8:5060',
      q: 0.5,
      expiresAt: s.clock.t + 60_000,
      source: { protocol: 'udp', address: '198.51.100.8', port: 5060 },
    });
    await s.location.update(aor, { remove: [], add: [natedBob, publicBob] });
    const request = invite({ via: '198.51.100.30:5060', contact: '<sip:carol@198.51.100.30:5060>' });
    const server = new FakeServerTransaction(request);
    const context = new RoutingContext({ protocol: 'udp', address: '198.51.100.30', port: 5060 }, server);
    nat().decide(request, context);
    context.domain = 'example.com';
    const decision = await new CalleeLookup(s).decide(request, context);
    expect(decision.kind).toBe('forward');
    if (decision.kind !== 'forward') return;
    expect(decision.targets[0]!.prepareResponse).toBeDefined();
    expect(decision.targets[1]!.prepareResponse).toBeUndefined();

    const stack = new FakeStack();
    new Relay(stack, options, []).forward(request, server, [decision.targets[0]!], context);
    await flush();
    stack.answer(0, 200, 'b', [['Contact', '<sip:bob@10.0.0.7:5062>']]);
    const upstream = server.responses.at(-1)!;
    expect(upstream.status).toBe(200);
    expect(upstream.get('contact')).toBe('<sip:bob@10.0.0.7:5062;alias=203.0.113.9~40312~1>');
  });

  it('repairs the SDP of a NATed callee’s answer, and leaves error answers alone', () => {
    const fix = nat().responseFix('sip:bob@10.0.0.7:5062', natSource)!;
    const answer = ok('<sip:bob@10.0.0.7:5062>', 'v=0\r\nc=IN IP4 10.0.0.7\r\nm=audio 4000 RTP/AVP 0\r\n');
    fix(answer);
    expect(answer.body.toString()).toContain('c=IN IP4 203.0.113.9\r\n');
    expect(answer.get('contact')).toContain(';alias=203.0.113.9~40312~1');
    expect(nat().responseFix('sip:bob@203.0.113.9:40312', natSource)).toBeUndefined();
    expect(
      nat({ contactAlias: false, sdpRepair: false }).responseFix('sip:bob@10.0.0.7', natSource),
    ).toBeUndefined();
  });

  it('sends the 2xx ACK for an aliased Contact to the NAT binding too', () => {
    const stack = new FakeStack();
    const role = new RoutingRole(
      stack,
      { ...options, nat: { detect: DEFAULT_NAT_TESTS, contactAlias: true, sdpRepair: true } },
      new RecordingNode(),
    );
    const ack = invite({
      uri: 'sip:alice@192.168.1.20:5060;alias=203.0.113.9~40312~1',
      via: '198.51.100.30:5060',
      toTag: 'b',
    });
    ack.method = 'ACK';
    ack.set('cseq', '1 ACK');
    ack.prepend('Route', '<sip:192.0.2.10;lr>');
    role.onAck(ack, { protocol: 'udp', address: '198.51.100.30', port: 5060 });
    return flush().then(() => {
      expect(stack.stateless).toHaveLength(1);
      expect(stack.stateless[0]!.target).toEqual(natSource);
      expect((stack.stateless[0]!.message as typeof ack).uri.toString()).toBe('sip:alice@192.168.1.20:5060');
    });
  });

  it('on a stateless edge, forwards a NATed caller without SDP statelessly (aliased) and one with SDP through a transaction', async () => {
    const stack = new FakeStack();
    const role = new RoutingRole(
      stack,
      {
        ...options,
        mode: 'stateless',
        defaultRoute: 'sip:192.0.2.50:5080',
        nat: { detect: DEFAULT_NAT_TESTS, contactAlias: true, sdpRepair: true },
      },
      new RecordingNode(),
    );
    const plain = invite();
    expect(role.beforeTransaction(plain, natSource)).toBe(true);
    await flush();
    expect(stack.stateless).toHaveLength(1);
    expect((stack.stateless[0]!.message as typeof plain).get('contact')).toContain(
      ';alias=203.0.113.9~40312~1',
    );
    const withSdp = invite({ sdp: privateSdp });
    expect(role.beforeTransaction(withSdp, natSource)).toBe(false);
    role.onRequest(withSdp, new FakeServerTransaction(withSdp, natSource));
    await flush();
    expect(stack.sent[0]!.request.body.toString()).toContain('c=IN IP4 203.0.113.9');
  });
});
