import { beforeEach, describe, expect, it } from 'vitest';
import { LocalDomains } from '../../../src/registrar/index.js';
import type { CallOwner, Decision } from '../../../src/routing/index.js';
import { Local } from '../../../src/routing/stages/local.js';
import { FakeStack, request } from '../proxy/fakes.js';
import { context, RecordingRole, routes, type Services, services } from './harness.js';

const req = (method: string, uri: string, from = 'sip:alice@example.com', to = uri) =>
  request(`${method} ${uri} SIP/2.0
Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKuac3
Max-Forwards: 70
From: <${from}>;tag=a1
To: <${to}>
Call-ID: l1
CSeq: 1 ${method}
Content-Length: 0

`);

describe('the local stage: requests for the node itself', () => {
  const stack = new FakeStack();
  let node: RecordingRole;
  let s: Services;

  beforeEach(async () => {
    node = new RecordingRole();
    s = await services();
  });

  const handedTo = (d: Decision) => (d.kind === 'hand' ? d.role : d.kind);

  it('without subscriber services: what is addressed to the node goes to its UA core', () => {
    const local = new Local({ stack, routes: routes(), node });
    expect(handedTo(local.decide(req('OPTIONS', 'sip:192.0.2.10'), context()) as Decision)).toBe(node);
    expect(handedTo(local.decide(req('INVITE', 'sip:bob@elsewhere.org'), context()) as Decision)).toBe(
      'continue',
    );
  });

  it('hands REGISTERs for a served domain to the registrar, and relays others for an outbound proxy', async () => {
    const local = new Local({ stack, routes: routes('sip:192.0.2.50'), node, subscribers: s });
    expect(handedTo(await local.decide(req('REGISTER', 'sip:example.com'), context()))).toBe(s.registrar);
    const foreign = req('REGISTER', 'sip:elsewhere.org', 'sip:x@elsewhere.org');
    expect(handedTo(await local.decide(foreign, context()))).toBe('continue');
    // At the node's address, for a served To domain.
    const atNode = req('REGISTER', 'sip:192.0.2.10', 'sip:alice@example.com', 'sip:alice@example.com');
    expect(handedTo(await local.decide(atNode, context()))).toBe(s.registrar);
  });

  it('answers for a served domain itself (OPTIONS pings) and marks requests for its users', async () => {
    const local = new Local({ stack, routes: routes(), node, subscribers: s });
    expect(handedTo(await local.decide(req('OPTIONS', 'sip:example.com'), context()))).toBe(node);
    const ctx = context();
    expect(handedTo(await local.decide(req('INVITE', 'sip:bob@example.com'), ctx))).toBe('continue');
    expect(ctx.domain).toBe('example.com');
  });

  it("takes a user at the node's address for a user of the caller's served domain", async () => {
    const local = new Local({ stack, routes: routes(), node, subscribers: s });
    const ctx = context();
    await local.decide(req('INVITE', 'sip:bob@192.0.2.10'), ctx);
    expect(ctx.domain).toBe('example.com');
    // From a stranger: the node's UA core answers (a SIPREC client, or 404).
    const siprec = context();
    const decision = await local.decide(req('INVITE', 'sip:srs@192.0.2.10', 'sip:sbc@carrier.net'), siprec);
    expect(handedTo(decision)).toBe(node);
    expect(siprec.domain).toBeUndefined();
  });

  it('decides without a promise, and the same way, once the domains it asks about are cached', async () => {
    const cases = [
      req('REGISTER', 'sip:example.com'),
      req('REGISTER', 'sip:elsewhere.org', 'sip:x@elsewhere.org'),
      req('REGISTER', 'sip:192.0.2.10', 'sip:alice@example.com', 'sip:alice@example.com'),
      req('OPTIONS', 'sip:example.com'),
      req('INVITE', 'sip:bob@example.com'),
      req('INVITE', 'sip:bob@192.0.2.10'),
      req('INVITE', 'sip:srs@192.0.2.10', 'sip:sbc@carrier.net'),
      req('INVITE', 'sip:carol@elsewhere.org', 'sip:x@elsewhere.org'),
    ];
    for (const r of cases) {
      // A cache of its own per case: the first decision asks the store.
      const subscribers = { ...s, domains: new LocalDomains(s.store) };
      const local = new Local({ stack, routes: routes('sip:192.0.2.50'), node, subscribers });
      const first = context();
      const asked = local.decide(r, first);
      expect(asked, `${r.method} ${r.uri} asks the store first`).toBeInstanceOf(Promise);
      const answer = handedTo(await asked);
      const again = context();
      const cached = local.decide(r, again);
      expect(cached, `${r.method} ${r.uri} from the cache`).not.toBeInstanceOf(Promise);
      expect(handedTo(cached as Decision)).toBe(answer);
      expect(again.domain).toBe(first.domain);
    }
  });

  it('hands the calls a call owner (a B2BUA) claims to it first', async () => {
    const owned: string[] = [];
    const owner: CallOwner = {
      owns: (r) => r.method === 'INVITE',
      handle: (r) => owned.push(r.callId),
    };
    const local = new Local({ stack, routes: routes(), node, subscribers: s, callOwner: owner });
    expect(handedTo(await local.decide(req('INVITE', 'sip:bob@example.com'), context()))).toBe(owner);
  });
});
