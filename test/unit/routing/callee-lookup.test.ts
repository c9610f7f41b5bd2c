import { beforeEach, describe, expect, it } from 'vitest';
import type { Decision } from '../../../src/routing/index.js';
import { CalleeLookup } from '../../../src/routing/stages/callee-lookup.js';
import { binding, routedRequest } from '../registrar/fakes.js';
import { context, type Services, services } from './harness.js';

const invite = (to = 'sip:bob@example.com') => routedRequest({ to, from: 'sip:x@carrier.net' });

const status = (d: Decision) => (d.kind === 'respond' ? d.response.status : d.kind);

describe('the callee-lookup stage (RFC 3261 §16.5)', () => {
  let s: Services;
  let stage: CalleeLookup;

  beforeEach(async () => {
    s = await services();
    stage = new CalleeLookup(s);
  });

  async function decide(to: string, domain: string | null = 'example.com'): Promise<Decision> {
    const ctx = context();
    if (domain !== null) ctx.domain = domain;
    return stage.decide(invite(to), ctx);
  }

  it('leaves requests that are for no served user to the next stages', async () => {
    expect(await decide('sip:bob@elsewhere.org', null)).toMatchObject({ kind: 'continue' });
  });

  it('answers 404 for nobody and for a disabled subscriber, 480 when not registered', async () => {
    expect(status(await decide('sip:nobody@example.com'))).toBe(404);
    expect(status(await decide('sip:carol@example.com'))).toBe(480);
    (await s.store.getSubscriber('carol', 'example.com'))!.enabled = false;
    expect(status(await decide('sip:carol@example.com'))).toBe(404);
  });

  it('names the subscriber found in the context (the party a B2BUA transfer is routed for)', async () => {
    const contact = {
      aor: 'sip:bob@example.com',
      contact: 'sip:bob@10.0.0.5:5060',
      expiresAt: s.clock.t + 60_000,
    };
    await s.location.update('sip:bob@example.com', { remove: [], add: [binding(contact)] });
    const ctx = context();
    ctx.domain = 'example.com';
    expect((await stage.decide(invite('sip:bob@example.com'), ctx)).kind).toBe('forward');
    expect(ctx.called).toEqual({ aor: 'sip:bob@example.com', user: 'bob', domain: 'example.com' });
  });

  it('targets every contact by q, through the REGISTER source or the Path', async () => {
    const aor = 'sip:bob@example.com';
    const direct = binding({
      aor,
      contact: 'sip:bob@10.0.0.5:5060',
      q: 0.5,
      expiresAt: s.clock.t + 60_000,
      source: { protocol: 'tcp', address: '198.51.100.7', port: 40001, connectionId: 'conn-7' },
    });
    const viaEdge = binding({
      aor,
      contact: 'sip:bob@10.0.0.6:5060',
      q: 1,
      expiresAt: s.clock.t + 60_000,
      path: ['<sip:edge.example.com;lr>', '<sip:edge2.example.com;lr>'],
    });
    await s.location.update(aor, { remove: [], add: [direct, viaEdge] });
    // By number (DID): bob's alias.
    const decision = await decide('sip:+14155550100@example.com');
    expect(decision.kind).toBe('forward');
    if (decision.kind !== 'forward') return;
    const [first, second] = decision.targets;
    expect(first!.uri.toString()).toBe('sip:bob@10.0.0.6:5060');
    expect(first!.q).toBe(1);
    expect(first!.routes).toEqual(['<sip:edge.example.com;lr>', '<sip:edge2.example.com;lr>']);
    expect(first!.nextHop?.toString()).toBe('sip:edge.example.com;lr');
    expect(second!.uri.toString()).toBe('sip:bob@10.0.0.5:5060');
    expect(second!.nextHop).toEqual({
      protocol: 'tcp',
      address: '198.51.100.7',
      port: 40001,
      connectionId: 'conn-7',
    });
  });
});
