import { describe, expect, it } from 'vitest';
import { FlowTokens, Outbound } from '../../../src/edge/outbound/index.js';
import { RoutingContext } from '../../../src/routing/index.js';
import { InDialog } from '../../../src/routing/stages/in-dialog.js';
import { StaticRouting } from '../../../src/routing/stages/static-routing.js';
import { StaticRoutes } from '../../../src/routing/static-routes.js';
import type { Target } from '../../../src/sip/transport/index.js';
import { FakeStack, request } from '../proxy/fakes.js';
import { context, RecordingRole, routes } from './harness.js';

const inDialog = (method: string, uri: string, extra = '', toTag = ';tag=b1') =>
  request(`${method} ${uri} SIP/2.0
Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKuac2
Max-Forwards: 70
${extra}From: <sip:alice@example.com>;tag=a1
To: <sip:bob@example.com>${toTag}
Call-ID: d1
CSeq: 2 ${method}
Content-Length: 0

`);

function stage(defaultRoute?: string, guarded = false): InDialog {
  const r = routes(defaultRoute);
  return new InDialog(r, new StaticRouting(r, new RecordingRole()), guarded);
}

describe('the in-dialog stage (RFC 3261 §16.4, §16.12)', () => {
  it('removes our Route and relays a request of a dialog we record-route to its Request-URI', () => {
    const bye = inDialog('BYE', 'sip:bob@192.0.2.20:5070', 'Route: <sip:192.0.2.10:5060;lr>\n');
    const ctx = context();
    const decision = stage().decide(bye, ctx);
    expect(ctx.routedHere).toBe(true);
    expect(bye.has('route')).toBe(false);
    expect(decision.kind === 'forward' && decision.targets[0]!.uri.toString()).toBe(
      'sip:bob@192.0.2.20:5070',
    );
  });

  it('follows the Route left after ours (loose routing), in a dialog or preloaded', () => {
    const routed = inDialog('INVITE', 'sip:bob@example.com', 'Route: <sip:192.0.2.60;lr>\n', '');
    const decision = stage().decide(routed, context());
    expect(decision.kind === 'forward' && routed.routes.map((r) => r.uri.toString())).toEqual([
      'sip:192.0.2.60;lr',
    ]);
  });

  it('on a node serving subscribers, follows only route sets it is on: no open relay by Route', () => {
    // Came through our Record-Route: the rest of the route set is followed.
    const ours = inDialog(
      'BYE',
      'sip:bob@192.0.2.20',
      'Route: <sip:192.0.2.10:5060;lr>\nRoute: <sip:192.0.2.60;lr>\n',
    );
    expect(stage(undefined, true).decide(ours, context()).kind).toBe('forward');
    // A preloaded Route to elsewhere on a new request: dropped, the policy stages decide by Request-URI.
    const preloaded = inDialog('INVITE', 'sip:bob@example.com', 'Route: <sip:192.0.2.60;lr>\n', '');
    expect(stage(undefined, true).decide(preloaded, context()).kind).toBe('continue');
    expect(preloaded.has('route')).toBe(false);
    // A dialog's request routed elsewhere, without us on its route set: refused.
    const foreign = inDialog('BYE', 'sip:bob@192.0.2.20', 'Route: <sip:192.0.2.60;lr>\n');
    const decision = stage(undefined, true).decide(foreign, context());
    expect(decision.kind === 'respond' && decision.response.status).toBe(403);
  });

  it('refuses a request of a dialog that is not ours to relay', () => {
    const decision = stage().decide(inDialog('BYE', 'sip:bob@elsewhere.org'), context());
    expect(decision.kind === 'respond' && decision.response.status).toBe(403);
  });

  it('leaves requests outside a dialog, and REGISTERs with a To tag, to the next stages', () => {
    expect(stage().decide(inDialog('INVITE', 'sip:bob@example.com', '', ''), context()).kind).toBe(
      'continue',
    );
    expect(stage().decide(inDialog('REGISTER', 'sip:example.com'), context()).kind).toBe('continue');
  });
});

describe('the in-dialog stage with RFC 5626 flow tokens (§5.3)', () => {
  const tokens = new FlowTokens();
  const flow: Target = { protocol: 'wss', address: '203.0.113.7', port: 50123, connectionId: 'wss-9' };
  const open = new Set(['wss-9']);
  const outbound = new Outbound(tokens, (f) => open.has(f.connectionId ?? ''));
  const flowStage = (): InDialog => {
    const r = new StaticRoutes(new FakeStack(), undefined, () => false, outbound);
    return new InDialog(r, new StaticRouting(r, new RecordingRole()));
  };
  const bye = (token: string) =>
    inDialog(
      'BYE',
      'sip:alice@df7jal23ls0d.invalid;transport=ws',
      `Route: <sip:192.0.2.10:5060;lr>\nRoute: <sip:${token}@192.0.2.10:5060;transport=wss;lr;ob>\n`,
    );

  it("sends the callee's BYE over the client's own flow, not to its unreachable Contact", () => {
    const ctx = context();
    const decision = flowStage().decide(bye(tokens.encode(flow)), ctx);
    expect(decision.kind).toBe('forward');
    const target = decision.kind === 'forward' ? decision.targets[0]! : undefined;
    expect(target?.nextHop).toEqual(flow);
    expect(target?.uri.toString()).toBe('sip:alice@df7jal23ls0d.invalid;transport=ws');
  });

  it("routes the client's own request (from its flow) by its Request-URI", () => {
    const fromClient = new RoutingContext(flow, undefined);
    const request = inDialog(
      'BYE',
      'sip:bob@192.0.2.20:5070',
      `Route: <sip:${tokens.encode(flow)}@192.0.2.10:5060;transport=wss;lr;ob>\n`,
    );
    const decision = flowStage().decide(request, fromClient);
    expect(fromClient.flow).toBeUndefined();
    expect(decision.kind === 'forward' && decision.targets[0]!.uri.toString()).toBe(
      'sip:bob@192.0.2.20:5070',
    );
  });

  it('answers 403 to a token the node did not sign, 430 Flow Failed when the flow is gone', () => {
    const forged = new FlowTokens().encode(flow);
    const refused = flowStage().decide(bye(forged), context());
    expect(refused.kind === 'respond' && refused.response.status).toBe(403);
    open.delete('wss-9');
    const failed = flowStage().decide(bye(tokens.encode(flow)), context());
    expect(failed.kind === 'respond' && `${failed.response.status} ${failed.response.reason}`).toBe(
      '430 Flow Failed',
    );
  });
});
