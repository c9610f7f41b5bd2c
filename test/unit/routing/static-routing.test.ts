import { describe, expect, it } from 'vitest';
import { StaticRouting } from '../../../src/routing/stages/static-routing.js';
import { request } from '../proxy/fakes.js';
import { context, RecordingRole, routes } from './harness.js';

const invite = (uri: string) =>
  request(`INVITE ${uri} SIP/2.0
Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKuac1
Max-Forwards: 70
From: <sip:alice@example.com>;tag=a1
To: <${uri}>
Call-ID: s1
CSeq: 1 INVITE
Content-Length: 0

`);

describe('the static-routing stage', () => {
  it('sends everything to the default route of an outbound proxy', () => {
    const stage = new StaticRouting(routes('sip:192.0.2.50:5080'), new RecordingRole());
    const decision = stage.decide(invite('sip:bob@elsewhere.org'), context());
    expect(decision.kind).toBe('forward');
    if (decision.kind !== 'forward') return;
    expect(decision.targets).toHaveLength(1);
    expect(decision.targets[0]!.uri.toString()).toBe('sip:bob@elsewhere.org');
    expect(decision.targets[0]!.nextHop?.toString()).toBe('sip:192.0.2.50:5080');
  });

  it('hands requests for the node itself to its UA core', () => {
    const node = new RecordingRole();
    const decision = new StaticRouting(routes(), node).decide(invite('sip:192.0.2.10'), context());
    expect(decision).toEqual({ kind: 'hand', role: node });
  });

  it('refuses to relay for a domain it does not serve without a default route (403)', () => {
    const decision = new StaticRouting(routes(), new RecordingRole()).decide(
      invite('sip:bob@elsewhere.org'),
      context(),
    );
    expect(decision.kind === 'respond' && decision.response.status).toBe(403);
  });

  it('follows a Route, or the Request-URI of a request that came through our Record-Route', () => {
    const stage = new StaticRouting(routes(), new RecordingRole());
    const routed = invite('sip:bob@elsewhere.org');
    routed.append('Route', '<sip:192.0.2.60;lr>');
    const viaRoute = stage.decide(routed, context());
    expect(viaRoute.kind === 'forward' && viaRoute.targets[0]!.nextHop).toBeUndefined();
    const ctx = context();
    ctx.routedHere = true;
    expect(stage.decide(invite('sip:bob@192.0.2.20'), ctx).kind).toBe('forward');
  });
});
