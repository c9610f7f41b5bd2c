import { describe, expect, it } from 'vitest';
import {
  type CallRouter,
  type Decision,
  forward,
  type RoutingContext,
  respond,
} from '../../../src/routing/index.js';
import {
  createResponse,
  parseUri,
  type SipRequest,
  type SipResponse,
} from '../../../src/sip/message/index.js';
import type { FakeClientTransaction } from '../ua/fakes.js';
import {
  CALLER,
  callerAck,
  FakeServerTransaction,
  fromCallee,
  fromCaller,
  type Harness,
  SDP_A,
  SDP_B,
  settle,
  takenCall,
} from './harness.js';

const SDP_C =
  'v=0\r\no=carol 1 1 IN IP4 192.0.2.30\r\ns=-\r\nc=IN IP4 192.0.2.30\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n';
const BOB = { aor: 'sip:bob@example.com', user: 'bob', domain: 'example.com' };
const CAROL = { tag: 'caroltag', contact: '<sip:carol@192.0.2.30:5064>' };

/** The routing stages as the B2BUA sees them: carol is registered, dave is busy elsewhere (486). */
class FakeRouter implements CallRouter {
  readonly routed: Array<{ request: SipRequest; context: RoutingContext }> = [];
  async route(request: SipRequest, context: RoutingContext): Promise<Decision> {
    this.routed.push({ request, context });
    const user = request.uri.kind === 'sip' ? request.uri.user : undefined;
    if (user === 'carol') {
      context.called = { aor: 'sip:carol@example.com', user: 'carol', domain: 'example.com' };
      return forward([{ uri: parseUri('sip:carol@192.0.2.30:5064') }]);
    }
    return respond(createResponse(request, 404));
  }
}

/** The peer's answer to a request the B2BUA sent through a transaction. */
function reply(tx: FakeClientTransaction, status: number, body?: string): void {
  const response = createResponse(tx.request, status, undefined, tx.request.to.tag ?? 'x');
  if (body) response.setBody(Buffer.from(body), 'application/sdp');
  tx.receive(response as SipResponse);
}

async function answeredCall(router = new FakeRouter()): Promise<Harness & { router: FakeRouter }> {
  const h = await takenCall({
    router,
    before: (context) => {
      context.called = BOB;
    },
  });
  h.relay.respond(180);
  h.relay.respond(200, { body: SDP_B });
  await settle();
  h.core.handleAck(callerAck(h), CALLER);
  await settle();
  return { ...h, router };
}

function refer(h: Harness, referTo: string, cseq = 2): FakeServerTransaction {
  const tx = new FakeServerTransaction(fromCallee(h, 'REFER', cseq, '', `Refer-To: ${referTo}\n`));
  h.core.handleRequest(tx.request, tx);
  return tx;
}

/** The NOTIFYs sent to bob so far, each answered 200 (the next leaves then): [sipfrag, Subscription-State]. */
async function notifies(h: Harness): Promise<Array<[string, string]>> {
  for (;;) {
    const open = h.transport.sent('NOTIFY').filter((tx) => tx.lastStatus === 0);
    if (open.length === 0) break;
    for (const tx of open) reply(tx, 200);
    await settle();
  }
  return h.transport
    .sent('NOTIFY')
    .map((tx) => [tx.request.body.toString().trim(), tx.request.get('subscription-state') ?? '']);
}

describe('B2BUA transfer: REFER from the callee (RFC 3515)', () => {
  it('blind transfer: 202, NOTIFY 100/180/200, carol placed for bob, alice re-INVITEd, bob released with BYE', async () => {
    const h = await answeredCall();
    const tx = refer(h, '<sip:carol@example.com>');
    expect(tx.statuses).toEqual([202]);
    await settle();
    // Routed as bob's own new call: bob is the caller the stages are told about.
    expect(h.router.routed).toHaveLength(1);
    const routed = h.router.routed[0]!;
    expect(routed.context.caller).toEqual(BOB);
    expect(routed.request.uri.toString()).toBe('sip:carol@example.com');
    // Carol's INVITE: placed through the relay, no offer (the B2BUA gets carol's), transferee shown.
    expect(h.relay.forwarded).toHaveLength(2);
    const toCarol = h.relay.forwarded[1]!.request;
    expect(toCarol.body.length).toBe(0);
    expect(toCarol.from.uri.toString()).toBe('sip:alice@example.com');
    expect(toCarol.get('referred-by')).toBe('<sip:bob@example.com>');
    expect(toCarol.callId).not.toBe(h.relay.invite.callId);
    expect(await notifies(h)).toEqual([['SIP/2.0 100 Trying', 'active;expires=60']]);
    const notify = h.transport.sent('NOTIFY')[0]!.request;
    expect(notify.callId).toBe(h.relay.invite.callId);
    expect(notify.get('event')).toBe('refer;id=2');
    expect(notify.contentType).toBe('message/sipfrag;version=2.0');

    h.relay.respondAt(1, 180, CAROL);
    await settle();
    expect((await notifies(h)).at(-1)).toEqual(['SIP/2.0 180 Ringing', 'active;expires=60']);
    h.relay.respondAt(1, 200, { ...CAROL, body: SDP_C });
    await settle();
    // Alice gets carol's offer in a re-INVITE on her own dialog.
    const reinvites = h.transport.sent('INVITE');
    expect(reinvites).toHaveLength(1);
    expect(reinvites[0]!.request.callId).toBe('alice-call-1@198.51.100.7');
    expect(reinvites[0]!.request.body.toString()).toBe(SDP_C);
    reply(reinvites[0]!, 200, SDP_A);
    await settle();
    // Carol's ACK carries alice's answer.
    const acks = h.transport.statelessRequests('ACK').filter((a) => a.request.callId === toCarol.callId);
    expect(acks).toHaveLength(1);
    expect(acks[0]!.request.body.toString()).toBe(SDP_A);
    expect((await notifies(h)).at(-1)).toEqual(['SIP/2.0 200 OK', 'terminated;reason=noresource']);
    await settle();
    const byes = h.transport.sent('BYE');
    expect(byes).toHaveLength(1);
    expect(byes[0]!.request.callId).toBe(h.relay.invite.callId);
    expect(byes[0]!.request.get('reason')).toBe('SIP;cause=200;text="Call transferred"');
    // The original call's CDR: answered, ended by bob's side (the referrer).
    expect(h.records).toHaveLength(1);
    expect(h.records[0]).toMatchObject({ status: 200, hangup: 'callee', disposition: 'answered', cause: 16 });
    expect(h.b2bua.active).toBe(1);

    // Alice and carol talk: alice's re-INVITE (hold) reaches carol; alice's BYE ends carol's leg.
    const hold = new FakeServerTransaction(
      fromCaller(h, 'INVITE', 11, SDP_A.replace('RTP/AVP 0', 'RTP/AVP 0\r\na=sendonly')),
      CALLER,
    );
    h.core.handleRequest(hold.request, hold);
    await settle();
    const toCarolHold = h.transport.sent('INVITE').filter((t) => t.request.callId === toCarol.callId);
    expect(toCarolHold).toHaveLength(1);
    expect(toCarolHold[0]!.request.body.toString()).toContain('a=sendonly');
    reply(toCarolHold[0]!, 200, SDP_C.replace('RTP/AVP 0', 'RTP/AVP 0\r\na=recvonly'));
    await settle();
    expect(hold.statuses.at(-1)).toBe(200);
    expect(hold.responses.at(-1)!.body.toString()).toContain('a=recvonly');
    h.core.handleAck(fromCaller(h, 'ACK', 11), CALLER);
    const bye = new FakeServerTransaction(fromCaller(h, 'BYE', 12), CALLER);
    h.core.handleRequest(bye.request, bye);
    await settle();
    const carolBye = h.transport.sent('BYE').filter((t) => t.request.callId === toCarol.callId);
    expect(carolBye).toHaveLength(1);
    reply(carolBye[0]!, 200);
    await settle();
    // The transfer's own call: bob's (the referrer's) call to carol, ended by alice (its caller side).
    expect(h.records).toHaveLength(2);
    expect(h.records[1]).toMatchObject({
      caller: 'sip:bob@example.com',
      callee: 'sip:carol@example.com',
      callerCallId: 'alice-call-1@198.51.100.7',
      calleeCallId: toCarol.callId,
      status: 200,
      hangup: 'caller',
      disposition: 'answered',
    });
    expect(h.b2bua.active).toBe(0);
    expect(h.events.types.filter((t) => t === 'call.completed')).toHaveLength(2);
  });

  it('a busy target: NOTIFY 486, the original call stays up and is not re-INVITEd', async () => {
    const h = await answeredCall();
    refer(h, '<sip:carol@example.com>');
    await settle();
    h.relay.respondAt(1, 486, CAROL);
    await settle();
    expect((await notifies(h)).at(-1)).toEqual(['SIP/2.0 486 Busy Here', 'terminated;reason=noresource']);
    expect(h.transport.sent('INVITE')).toHaveLength(0);
    expect(h.transport.sent('BYE')).toHaveLength(0);
    // The failed attempt has its CDR; the original call is still up and relays as before.
    expect(h.records).toHaveLength(1);
    expect(h.records[0]).toMatchObject({ caller: 'sip:bob@example.com', status: 486, disposition: 'busy' });
    expect(h.b2bua.active).toBe(1);
    const bye = new FakeServerTransaction(fromCaller(h, 'BYE', 11), CALLER);
    h.core.handleRequest(bye.request, bye);
    await settle();
    expect(h.transport.sent('BYE')[0]!.request.callId).toBe(h.relay.invite.callId);
  });

  it('a target the stages refuse: NOTIFY with their status; nothing placed', async () => {
    const h = await answeredCall();
    refer(h, '<sip:nobody@example.com>');
    await settle();
    expect((await notifies(h)).at(-1)).toEqual(['SIP/2.0 404 Not Found', 'terminated;reason=noresource']);
    expect(h.relay.forwarded).toHaveLength(1);
    expect(h.records).toHaveLength(0);
  });

  it('the referrer hangs up after 202 (RFC 5589 §6): the transfer goes on and alice reaches carol', async () => {
    const h = await answeredCall();
    refer(h, '<sip:carol@example.com>');
    await settle();
    const bye = new FakeServerTransaction(fromCallee(h, 'BYE', 3));
    h.core.handleRequest(bye.request, bye);
    expect(bye.statuses).toEqual([200]);
    await settle();
    // Alice's leg is not ended by bob leaving.
    expect(h.transport.sent('BYE')).toHaveLength(0);
    h.relay.respondAt(1, 200, { ...CAROL, body: SDP_C });
    await settle();
    reply(h.transport.sent('INVITE')[0]!, 200, SDP_A);
    await settle();
    expect(h.records[0]).toMatchObject({ hangup: 'callee', status: 200 });
    expect(h.b2bua.active).toBe(1);
  });

  it('bad REFERs: no Refer-To 400, a tel: target 403, a second REFER while one runs 491', async () => {
    const h = await answeredCall();
    const none = new FakeServerTransaction(fromCallee(h, 'REFER', 2));
    h.core.handleRequest(none.request, none);
    expect(none.statuses).toEqual([400]);
    expect(refer(h, '<tel:+15551234>', 3).statuses).toEqual([403]);
    expect(refer(h, '<sip:carol@example.com>', 4).statuses).toEqual([202]);
    expect(refer(h, '<sip:carol@example.com>', 5).statuses).toEqual([491]);
  });

  it('REFER before the call is answered: 403', async () => {
    const h = await takenCall({ router: new FakeRouter() });
    h.relay.respond(180);
    await settle();
    const tx = new FakeServerTransaction(
      fromCallee(h, 'REFER', 2, '', 'Refer-To: <sip:carol@example.com>\n'),
    );
    h.core.handleRequest(tx.request, tx);
    expect(tx.statuses).toEqual([403]);
  });
});
