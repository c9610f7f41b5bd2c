import {
  type AdmissionControl,
  B2bua,
  type B2buaMetrics,
  type B2buaMode,
  type CallJournalSink,
  type CallPolicySource,
  type CallRecord,
  type CallRecordings,
} from '../../../src/b2bua/index.js';
import type { CallEvent, EventBus, SwitchboardEvent } from '../../../src/events/index.js';
import type { MediaRelay } from '../../../src/media/relay/index.js';
import { type CallRouter, type OutboundRelay, RoutingContext } from '../../../src/routing/index.js';
import { parseUri, type SipRequest, type SipResponse } from '../../../src/sip/message/index.js';
import type { ForwardTarget } from '../../../src/sip/proxy/index.js';
import type { ServerTransaction } from '../../../src/sip/transaction/index.js';
import { UserAgentCore } from '../../../src/sip/ua/index.js';
import { answer, FakeClock, FakeServerTransaction, FakeTransport, request } from '../ua/fakes.js';

export const SDP_A =
  'v=0\r\no=alice 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
export const SDP_B =
  'v=0\r\no=bob 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n';

/** The relay the B2BUA places its callee legs through; the test answers for the far side. */
export class FakeRelay implements OutboundRelay {
  readonly forwarded: Array<{
    request: SipRequest;
    transaction: ServerTransaction;
    targets: ForwardTarget[];
  }> = [];
  readonly cancels: SipRequest[] = [];

  forward(request: SipRequest, transaction: ServerTransaction, targets: ForwardTarget[]): void {
    this.forwarded.push({ request, transaction, targets });
  }

  cancel(cancel: SipRequest): boolean {
    this.cancels.push(cancel);
    return true;
  }

  /** A far side answers the `index`th INVITE the relay got (0: the callee leg's; later: transfers'). */
  respondAt(
    index: number,
    status: number,
    options: { tag: string; contact: string; body?: string },
  ): SipResponse {
    const forwarded = this.forwarded[index]!;
    const response = answer(forwarded.request, status, {
      toTag: status > 100 ? options.tag : undefined,
      contact: status < 300 ? options.contact : undefined,
      ...(options.body ? { body: options.body } : {}),
    });
    forwarded.transaction.respond(response);
    return response;
  }

  /** The callee leg's INVITE as the relay got it (the latest: a retry after 422 is another). */
  get invite(): SipRequest {
    return this.calleeLeg().request;
  }

  /** The latest INVITE of the callee leg: a transfer's INVITE (with Referred-By) is another leg's. */
  private calleeLeg(): FakeRelay['forwarded'][number] {
    return this.forwarded.filter((f) => !f.request.has('referred-by')).at(-1)!;
  }

  /** The far side answers the callee leg's INVITE (the relay's own Record-Route on it, as the proxy adds). */
  respond(status: number, options: { body?: string; extra?: Array<[string, string]> } = {}): SipResponse {
    const response = answer(this.invite, status, {
      toTag: status > 100 ? 'bobtag' : undefined,
      contact: status < 300 ? '<sip:bob@192.0.2.20:5062>' : undefined,
      recordRoutes: status < 300 ? ['<sip:carrier-proxy.example;lr>', '<sip:203.0.113.1;lr>'] : [],
      ...(options.body ? { body: options.body } : {}),
    });
    for (const [name, value] of options.extra ?? []) response.append(name, value);
    this.calleeLeg().transaction.respond(response);
    return response;
  }
}

export class Events implements EventBus {
  readonly published: CallEvent[] = [];
  publish(event: SwitchboardEvent): void {
    if (event.type.startsWith('call.')) this.published.push(event as CallEvent);
  }
  subscribe(): () => void {
    return () => {};
  }
  async close(): Promise<void> {}
  get types(): string[] {
    return this.published.map((e) => e.type);
  }
}

/** Let promise chains (the call's serial steps, the media relay) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

export const CALLER = { protocol: 'udp' as const, address: '198.51.100.7', port: 5070 };

export function callerInvite(options: { sdp?: boolean | string; extra?: string } = {}): SipRequest {
  const body = options.sdp === false ? '' : typeof options.sdp === 'string' ? options.sdp : SDP_A;
  return request(`INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bKalice1;rport
Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKinner
Record-Route: <sip:edge.alice.example;lr>
Max-Forwards: 69
From: "Alice" <sip:alice@example.com>;tag=alicetag
To: <sip:bob@example.com>
Call-ID: alice-call-1@198.51.100.7
CSeq: 10 INVITE
Contact: <sip:alice@198.51.100.7:5070>
User-Agent: AlicePhone/1.0
P-Asserted-Identity: <sip:alice@example.com>
Privacy: none
X-Billing-Id: 42
X-Internal-Secret: s3cret
${options.extra ?? ''}Content-Type: application/sdp
Content-Length: ${body.length}

${body}`);
}

export interface Harness {
  transport: FakeTransport;
  clock: FakeClock;
  core: UserAgentCore;
  relay: FakeRelay;
  events: Events;
  records: CallRecord[];
  b2bua: B2bua;
  aInvite: SipRequest;
  aTx: FakeServerTransaction;
  context: RoutingContext;
  /** Whether the B2BUA's policy took the call. */
  taken: boolean;
}

/** A B2BUA at 203.0.113.1 that has just taken alice's call to bob. */
export async function takenCall(
  options: {
    media?: MediaRelay;
    passHeaders?: string[];
    /** false: no SDP in the caller's INVITE; a string: that body instead of SDP_A. */
    sdp?: boolean | string;
    maxCallDuration?: number;
    sessionExpires?: number;
    /** b2bua.mediaTimeout in seconds (default 0: off). */
    mediaTimeout?: number;
    /** Header lines added to the caller's INVITE. */
    callerExtra?: string;
    /** Edits the routing context before the B2BUA takes the call (a trunk call...). */
    before?: (context: RoutingContext) => void;
    /** The routing stages for calls the B2BUA places later (transfer targets). */
    router?: CallRouter;
    /** `b2bua.mode` (default all). */
    mode?: B2buaMode;
    /** Call and recording policies of the parties. */
    policies?: CallPolicySource;
    recordings?: CallRecordings;
    /** Where calls in progress are journaled. */
    journal?: CallJournalSink;
    /** The B2BUA's counters. */
    metrics?: B2buaMetrics;
    /** Call admission control (limits per subscriber, domain, trunk). */
    admission?: AdmissionControl;
  } = {},
): Promise<Harness> {
  const transport = new FakeTransport();
  const clock = new FakeClock();
  const core = new UserAgentCore({ transport, timers: clock });
  const relay = new FakeRelay();
  const events = new Events();
  const records: CallRecord[] = [];
  const b2bua = new B2bua({
    core,
    mode: options.mode ?? 'all',
    ...(options.policies ? { policies: options.policies } : {}),
    ...(options.recordings ? { recordings: options.recordings } : {}),
    passHeaders: options.passHeaders ?? ['X-Billing-Id'],
    maxCallDuration: options.maxCallDuration ?? 21_600,
    sessionExpires: options.sessionExpires ?? 0,
    mediaTimeout: options.mediaTimeout ?? 0,
    isOwnUri: (uri) => uri.kind === 'sip' && uri.hostname === '203.0.113.1',
    events,
    records: { write: (record) => records.push(record) },
    now: () => clock.now,
    ...(options.media ? { media: options.media } : {}),
    ...(options.journal ? { journal: options.journal } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.admission ? { admission: options.admission } : {}),
  });
  const aInvite = callerInvite({
    ...(options.sdp === undefined ? {} : { sdp: options.sdp }),
    ...(options.callerExtra ? { extra: options.callerExtra } : {}),
  });
  const aTx = new FakeServerTransaction(aInvite, CALLER);
  const context = new RoutingContext(CALLER, aTx);
  options.before?.(context);
  const targets = [{ uri: parseUri('sip:bob@192.0.2.20:5062') }];
  // As the routing role does: the policy first, then the call (or the proxy relays it).
  const taken = await b2bua.takes(aInvite, context, targets);
  if (taken)
    b2bua.take({
      request: aInvite,
      transaction: aTx,
      targets,
      context,
      relay,
      ...(options.router ? { router: options.router } : {}),
    });
  await settle();
  return { transport, clock, core, relay, events, records, b2bua, aInvite, aTx, context, taken };
}

/** An in-dialog request from alice (her dialog: her Call-ID and tag, the B2BUA's To tag). */
export function fromCaller(h: Harness, method: string, cseq: number, body = '', extra = ''): SipRequest {
  const toTag = h.aTx.responses.find((r) => r.to.tag)?.to.tag;
  return request(`${method} sip:sb@203.0.113.1:5060 SIP/2.0
Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bKa${method}${cseq}
Max-Forwards: 70
From: "Alice" <sip:alice@example.com>;tag=alicetag
To: <sip:bob@example.com>;tag=${toTag}
Call-ID: alice-call-1@198.51.100.7
CSeq: ${cseq} ${method}
Contact: <sip:alice@198.51.100.7:5070>
${extra}${body ? 'Content-Type: application/sdp\n' : ''}Content-Length: ${body.length}

${body}`);
}

/** An in-dialog request from bob on the callee leg (the B2BUA's Call-ID and From tag). */
export function fromCallee(h: Harness, method: string, cseq: number, body = '', extra = ''): SipRequest {
  const invite = h.relay.invite;
  return request(`${method} sip:sb@203.0.113.1:5060 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.20:5062;branch=z9hG4bKb${method}${cseq}
Max-Forwards: 70
From: <sip:bob@example.com>;tag=bobtag
To: ${invite.get('from')}
Call-ID: ${invite.callId}
CSeq: ${cseq} ${method}
Contact: <sip:bob@192.0.2.20:5062>
${extra}${body ? 'Content-Type: application/sdp\n' : ''}Content-Length: ${body.length}

${body}`);
}

/** Alice's ACK for the 2xx. */
export function callerAck(h: Harness, body = ''): SipRequest {
  const ack = fromCaller(h, 'ACK', 10, body);
  return ack;
}

export { FakeServerTransaction };
