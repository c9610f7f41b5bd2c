/** A B2BUA call to transfer, the routing stages of its targets, and the REFER side of the test. */
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
import { answerCall } from './call-steps.js';
import { FakeServerTransaction, fromCallee, type Harness, settle, takenCall } from './harness.js';

export const SDP_C =
  'v=0\r\no=carol 1 1 IN IP4 192.0.2.30\r\ns=-\r\nc=IN IP4 192.0.2.30\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n';
export const BOB = { aor: 'sip:bob@example.com', user: 'bob', domain: 'example.com' };
export const CAROL = { tag: 'caroltag', contact: '<sip:carol@192.0.2.30:5064>' };

/** The routing stages as the B2BUA sees them: carol is registered, dave is busy elsewhere (486). */
export class FakeRouter implements CallRouter {
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
export function reply(tx: FakeClientTransaction, status: number, body?: string): void {
  const response = createResponse(tx.request, status, undefined, tx.request.to.tag ?? 'x');
  if (body) response.setBody(Buffer.from(body), 'application/sdp');
  tx.receive(response as SipResponse);
}

export async function answeredCall(
  router = new FakeRouter(),
  options: Omit<Parameters<typeof takenCall>[0] & {}, 'router' | 'before'> = {},
): Promise<Harness & { router: FakeRouter }> {
  const h = await takenCall({
    ...options,
    router,
    before: (context) => {
      context.called = BOB;
    },
  });
  await answerCall(h);
  return { ...h, router };
}

export function refer(h: Harness, referTo: string, cseq = 2): FakeServerTransaction {
  const tx = new FakeServerTransaction(fromCallee(h, 'REFER', cseq, '', `Refer-To: ${referTo}\n`));
  h.core.handleRequest(tx.request, tx);
  return tx;
}

/** The NOTIFYs sent to bob so far, each answered 200 (the next leaves then): [sipfrag, Subscription-State]. */
export async function notifies(h: Harness): Promise<Array<[string, string]>> {
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
