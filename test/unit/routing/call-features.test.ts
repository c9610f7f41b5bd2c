import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Decision, type FailureDecision, forward } from '../../../src/routing/index.js';
import { CalleeFeatures } from '../../../src/routing/stages/callee-features.js';
import { CallerFeatures } from '../../../src/routing/stages/caller-features.js';
import { ForwardOnFailure } from '../../../src/routing/stages/forward-on-failure.js';
import { NormaliseNumber } from '../../../src/routing/stages/normalise-number.js';
import { createResponse, parseUri } from '../../../src/sip/message/index.js';
import type { ForwardTarget } from '../../../src/sip/proxy/index.js';
import { routedRequest } from '../registrar/fakes.js';
import { copyFor, type FeatureWorld, featureWorld, invite } from './features-harness.js';
import { context } from './harness.js';

const status = (d: Decision | { kind: string }) =>
  'response' in d ? (d as { response: { status: number } }).response.status : d.kind;
const berlin = { countryCode: '49', nationalPrefix: '0', internationalPrefix: '00', areaCode: '30' };

function firstTarget(decision: Decision | FailureDecision): ForwardTarget {
  if (decision.kind !== 'forward') throw new Error(`expected a forward, got ${decision.kind}`);
  return decision.targets[0]!;
}

function forwardedTo(decision: Decision): string[] {
  if (decision.kind !== 'forward') throw new Error(`expected a forward, got ${status(decision)}`);
  return decision.targets.map((t) => t.uri.toString());
}

describe('call features in the routing pipeline', () => {
  let w: FeatureWorld;
  beforeEach(async () => {
    w = await featureWorld();
  });
  afterEach(() => w.close());

  const calleeCtx = () => {
    const ctx = context();
    ctx.domain = 'example.com';
    return ctx;
  };
  const fromAlice = () => {
    const ctx = calleeCtx();
    ctx.caller = { aor: 'sip:alice@example.com', user: 'alice', domain: 'example.com' };
    return ctx;
  };

  describe('normalise-number', () => {
    const stage = () => new NormaliseNumber(w);

    it('rewrites a national or local number to E.164 by the caller domain plan; keeps what it was dialled as', async () => {
      await w.features.updateDomainFeatures('example.com', { numbering: berlin });
      for (const dialled of ['0301234567', '1234567', '0049301234567']) {
        const request = invite(`sip:${dialled}@example.com`);
        const ctx = fromAlice();
        expect(await stage().decide(request, ctx)).toMatchObject({ kind: 'continue' });
        expect(request.uri.toString()).toBe('sip:+49301234567@example.com');
        expect(ctx.dialled).toBe(dialled);
      }
    });

    it('leaves usernames, stored numbers and domains without a plan alone; refuses malformed numbers', async () => {
      await w.store.addSubscriber({ username: '1000', domain: 'example.com', password: 'x' });
      const unplanned = invite('sip:0301234567@example.com');
      await stage().decide(unplanned, fromAlice());
      expect(unplanned.uri.toString()).toBe('sip:0301234567@example.com');
      await w.features.updateDomainFeatures('example.com', { numbering: berlin });
      const extension = invite('sip:1000@example.com');
      await stage().decide(extension, fromAlice());
      expect(extension.uri.toString()).toBe('sip:1000@example.com');
      expect(status(await stage().decide(invite('sip:00@example.com'), fromAlice()))).toBe(484);
      expect(status(await stage().decide(invite('sip:00491234567890123456@example.com'), fromAlice()))).toBe(
        404,
      );
    });
  });

  describe('caller-features', () => {
    const stage = () => new CallerFeatures(w);

    it('bars outgoing calls by pattern, on the number as dialled and in E.164 (403)', async () => {
      await w.features.updateDomainFeatures('example.com', { numbering: berlin });
      await w.features.updateSubscriberFeatures('alice', 'example.com', { barOutgoing: ['+1900*', '00*'] });
      const premium = await stage().decide(invite('sip:+19005550100@example.com'), fromAlice());
      expect(status(premium)).toBe(403);
      expect((premium as { response: { reason: string } }).response.reason).toBe('Outgoing Calls Barred');
      const ctx = fromAlice();
      ctx.dialled = '0044207946';
      expect(status(await stage().decide(invite('sip:+44207946@example.com'), ctx))).toBe(403);
      expect(status(await stage().decide(invite('sip:bob@example.com'), fromAlice()))).toBe('continue');
    });

    it('asserts the proven caller (P-Asserted-Identity), dropping what the caller asserted', async () => {
      const request = invite('sip:bob@example.com', 'sip:alice@example.com', [
        'P-Asserted-Identity: <sip:ceo@bank.example>',
      ]);
      await stage().decide(request, fromAlice());
      expect(request.getAll('p-asserted-identity')).toEqual(['<sip:alice@example.com>']);
      expect(request.has('privacy')).toBe(false);
      // From strangers an assertion is removed (RFC 3325 §5), nothing asserted in its place.
      const stranger = invite('sip:bob@example.com', 'sip:x@carrier.net', [
        'P-Asserted-Identity: <sip:ceo@bank.example>',
      ]);
      await stage().decide(stranger, calleeCtx());
      expect(stranger.has('p-asserted-identity')).toBe(false);
      // A carrier's trunk asserts the PSTN caller: kept.
      const carrier = invite('sip:bob@example.com', 'sip:x@carrier.net', [
        'P-Asserted-Identity: <tel:+14155550123>',
      ]);
      const fromTrunk = calleeCtx();
      fromTrunk.trunk = { name: 'carrier' } as NonNullable<typeof fromTrunk.trunk>;
      await stage().decide(carrier, fromTrunk);
      expect(carrier.get('p-asserted-identity')).toBe('<tel:+14155550123>');
    });

    it('honours P-Preferred-Identity only for an identity the caller owns', async () => {
      const own = invite('sip:bob@example.com', 'sip:alice@example.com', [
        'P-Preferred-Identity: <tel:+49309999999>',
      ]);
      await stage().decide(own, fromAlice());
      expect(own.getAll('p-asserted-identity')).toEqual(['<tel:+49309999999>']);
      expect(own.has('p-preferred-identity')).toBe(false);
      const others = invite('sip:carol@example.com', 'sip:alice@example.com', [
        'P-Preferred-Identity: <sip:+49301234567@example.com>',
      ]);
      await stage().decide(others, fromAlice());
      expect(others.getAll('p-asserted-identity')).toEqual(['<sip:alice@example.com>']);
    });

    it('CLIR: Privacy: id, the identity still asserted, the From of every copy anonymous (tag kept)', async () => {
      await w.features.updateSubscriberFeatures('alice', 'example.com', { clir: true });
      const request = invite('sip:bob@example.com', 'sip:alice@example.com');
      const ctx = fromAlice();
      await stage().decide(request, ctx);
      expect(request.get('privacy')).toBe('id');
      expect(request.get('p-asserted-identity')).toBe('<sip:alice@example.com>');
      // The request itself keeps its From: responses upstream must match the caller's dialog.
      expect(request.from.uri.toString()).toBe('sip:alice@example.com');
      const copy = request.clone();
      ctx.prepare!(copy);
      expect(copy.get('from')).toBe('"Anonymous" <sip:anonymous@anonymous.invalid>;tag=a');
      // Privacy: none presents the identity on this one call.
      const shown = invite('sip:bob@example.com', 'sip:alice@example.com', ['Privacy: none']);
      const shownCtx = fromAlice();
      await stage().decide(shown, shownCtx);
      expect(shown.get('privacy')).toBe('none');
      expect(shownCtx.prepare).toBeUndefined();
    });
  });

  describe('callee-features', () => {
    const stage = () => new CalleeFeatures(w, w.forwarding);

    it('leaves unknown users and other methods to callee lookup', async () => {
      expect(status(await stage().decide(invite('sip:nobody@example.com'), calleeCtx()))).toBe('continue');
      await w.features.updateSubscriberFeatures('bob', 'example.com', { forwardAlways: 'carol' });
      const message = routedRequest({ method: 'MESSAGE', to: 'sip:bob@example.com' });
      expect(status(await stage().decide(message, calleeCtx()))).toBe('continue');
    });

    it('rings the phones; with a no-answer target, within the ring timeout', async () => {
      await w.register('bob', 2);
      expect(forwardedTo(await stage().decide(invite('sip:bob@example.com'), calleeCtx()))).toEqual([
        'sip:bob@10.0.0.2:5060',
      ]);
      await w.features.updateSubscriberFeatures('bob', 'example.com', {
        forwardNoAnswer: 'carol',
        ringTimeout: 2,
      });
      const ctx = calleeCtx();
      const decision = await stage().decide(invite('sip:bob@example.com'), ctx);
      expect(decision.kind === 'forward' && decision.targets[0]!.noAnswerTimeout).toBe(2000);
      expect(ctx.callee).toMatchObject({ aor: 'sip:bob@example.com', diversions: [], startedAt: w.clock.t });
    });

    it('rejects anonymous callers for a callee who asked so (433, RFC 5079)', async () => {
      await w.register('bob', 2);
      await w.features.updateDomainFeatures('example.com', { rejectAnonymous: true });
      const anonymous = [
        invite('sip:bob@example.com', 'sip:anonymous@anonymous.invalid'),
        invite('sip:bob@example.com', 'sip:x@carrier.net', ['Privacy: id']),
      ];
      for (const request of anonymous) {
        const decision = await stage().decide(request, calleeCtx());
        expect(status(decision)).toBe(433);
        expect((decision as { response: { reason: string } }).response.reason).toBe('Anonymity Disallowed');
      }
      expect(status(await stage().decide(invite('sip:bob@example.com'), calleeCtx()))).toBe('forward');
    });

    it('bars incoming calls by the caller number, asserted or From, in E.164 (403)', async () => {
      await w.register('bob', 2);
      await w.features.updateDomainFeatures('example.com', { numbering: berlin });
      await w.features.updateSubscriberFeatures('bob', 'example.com', { barIncoming: ['+4930555*'] });
      const byFrom = await stage().decide(
        invite('sip:bob@example.com', 'sip:0305551234@carrier.net'),
        calleeCtx(),
      );
      expect((byFrom as { response: { reason: string } }).response.reason).toBe('Incoming Calls Barred');
      const asserted = invite('sip:bob@example.com', 'sip:x@carrier.net', [
        'P-Asserted-Identity: <tel:+49305559999>',
      ]);
      expect(status(await stage().decide(asserted, calleeCtx()))).toBe(403);
      expect(
        status(await stage().decide(invite('sip:bob@example.com', 'sip:+49301111@carrier.net'), calleeCtx())),
      ).toBe('forward');
    });

    it('forwards unconditionally (CFU) with a Diversion, following chains and the plan', async () => {
      await w.register('dave', 4);
      await w.features.updateDomainFeatures('example.com', { numbering: berlin });
      await w.features.updateSubscriberFeatures('bob', 'example.com', { forwardAlways: 'carol' });
      await w.features.updateSubscriberFeatures('carol', 'example.com', {
        forwardUnreachable: 'sip:dave@example.com',
      });
      const request = invite('sip:+49301234567@example.com', 'sip:+49309999999@example.com');
      const ctx = calleeCtx();
      const decision = await stage().decide(request, ctx);
      expect(forwardedTo(decision)).toEqual(['sip:dave@10.0.0.4:5060']);
      const copy = copyFor(request, firstTarget(decision));
      expect(copy.getAll('diversion')).toEqual([
        '<sip:carol@example.com>;reason=unavailable;counter=1',
        '<sip:bob@example.com>;reason=unconditional;counter=1',
      ]);
      // The caller's E.164 number as the callee's domain dials it.
      expect(copy.from.uri.toString()).toBe('sip:0309999999@example.com');
      expect(ctx.callee?.aor).toBe('sip:dave@example.com');
    });

    it('refuses a forwarding loop (482), too many diversions (483) and a target that is nobody (404)', async () => {
      await w.features.updateSubscriberFeatures('bob', 'example.com', { forwardAlways: 'carol' });
      await w.features.updateSubscriberFeatures('carol', 'example.com', {
        forwardAlways: 'sip:bob@example.com',
      });
      const loop = await stage().decide(invite('sip:bob@example.com'), calleeCtx());
      expect([status(loop), (loop as { response: { reason: string } }).response.reason]).toEqual([
        482,
        'Loop Detected',
      ]);
      // A call that comes back already diverted by bob loops too.
      await w.features.updateSubscriberFeatures('carol', 'example.com', { forwardAlways: 'dave' });
      const back = invite('sip:carol@example.com', 'sip:x@carrier.net', [
        'Diversion: <sip:bob@example.com>;reason=user-busy;counter=1',
      ]);
      await w.features.updateSubscriberFeatures('dave', 'example.com', { forwardAlways: 'bob' });
      expect(status(await stage().decide(back, calleeCtx()))).toBe(482);
      const counted = invite('sip:dave@example.com', 'sip:x@carrier.net', [
        'Diversion: <sip:a@carrier.net>;counter=3, <sip:b@carrier.net>;counter=1',
      ]);
      await w.features.updateSubscriberFeatures('dave', 'example.com', {
        forwardAlways: 'alice',
        maxDiversions: 4,
      });
      expect(status(await stage().decide(counted, calleeCtx()))).toBe(483);
      await w.features.updateSubscriberFeatures('alice', 'example.com', { forwardAlways: '0999' });
      expect(status(await stage().decide(invite('sip:alice@example.com'), calleeCtx()))).toBe(404);
    });

    it('forwards when not registered (CFNR), else 480; to another domain as a URI', async () => {
      expect(status(await stage().decide(invite('sip:bob@example.com'), calleeCtx()))).toBe(480);
      await w.features.updateSubscriberFeatures('bob', 'example.com', {
        forwardUnreachable: 'sip:desk@partner.example',
      });
      const request = invite('sip:bob@example.com');
      const decision = await stage().decide(request, calleeCtx());
      expect(forwardedTo(decision)).toEqual(['sip:desk@partner.example']);
      expect(copyFor(request, firstTarget(decision)).get('diversion')).toBe(
        '<sip:bob@example.com>;reason=unavailable;counter=1',
      );
    });
  });

  describe('forward-on-failure', () => {
    async function rung(features: Parameters<FeatureWorld['features']['updateSubscriberFeatures']>[2]) {
      await w.register('bob', 2);
      await w.register('carol', 3);
      await w.register('dave', 4);
      await w.features.updateSubscriberFeatures('bob', 'example.com', features);
      const request = invite('sip:bob@example.com');
      const ctx = calleeCtx();
      await new CalleeFeatures(w, w.forwarding).decide(request, ctx);
      return { request, ctx, stage: new ForwardOnFailure(w.forwarding, w.clock.now) };
    }

    it('busy (486) goes to the busy target (CFB) with Diversion reason=user-busy', async () => {
      const { request, ctx, stage } = await rung({ forwardBusy: 'carol' });
      const decision = await stage.decide(request, createResponse(request, 486), ctx);
      expect(decision.kind === 'forward' && decision.targets.map((t) => t.uri.toString())).toEqual([
        'sip:carol@10.0.0.3:5060',
      ]);
      const copy = copyFor(request, firstTarget(decision));
      expect(copy.get('diversion')).toBe('<sip:bob@example.com>;reason=user-busy;counter=1');
      expect(ctx.callee?.aor).toBe('sip:carol@example.com');
      expect(await stage.decide(request, createResponse(request, 404), ctx)).toMatchObject({
        kind: 'continue',
      });
    });

    it('a 408 at the ring timeout is no answer (CFNA); before it, or 480/503, unreachable (CFNR)', async () => {
      const { request, ctx, stage } = await rung({
        forwardNoAnswer: 'carol',
        forwardUnreachable: 'dave',
        ringTimeout: 2,
      });
      const early = await stage.decide(request, createResponse(request, 408), ctx);
      expect(early.kind === 'forward' && early.targets[0]!.uri.toString()).toBe('sip:dave@10.0.0.4:5060');
      const again = await rung({ forwardNoAnswer: 'carol', forwardUnreachable: 'dave', ringTimeout: 2 });
      w.clock.t += 2000;
      const late = await again.stage.decide(again.request, createResponse(again.request, 408), again.ctx);
      expect(late.kind === 'forward' && late.targets[0]!.uri.toString()).toBe('sip:carol@10.0.0.3:5060');
      expect(copyFor(again.request, firstTarget(late)).get('diversion')).toBe(
        '<sip:bob@example.com>;reason=no-answer;counter=1',
      );
      const third = await rung({ forwardUnreachable: 'dave' });
      const unavailable = await third.stage.decide(
        third.request,
        createResponse(third.request, 480),
        third.ctx,
      );
      expect(unavailable.kind).toBe('forward');
    });

    it('lets the response go without a target, after a CANCEL, or when the forward loops', async () => {
      const none = await rung({});
      expect(
        await none.stage.decide(none.request, createResponse(none.request, 486), none.ctx),
      ).toMatchObject({ kind: 'continue' });
      const looping = await rung({ forwardBusy: 'sip:bob@example.com' });
      expect(
        await looping.stage.decide(looping.request, createResponse(looping.request, 486), looping.ctx),
      ).toMatchObject({
        kind: 'continue',
      });
      const cancelled = await rung({ forwardBusy: 'carol' });
      cancelled.ctx.cancelled = true;
      expect(
        cancelled.stage.decide(cancelled.request, createResponse(cancelled.request, 486), cancelled.ctx),
      ).toMatchObject({
        kind: 'continue',
      });
    });
  });

  describe('forwarding to numbers outside the platform', () => {
    it("goes out through the trunks with the Diversion on every gateway copy; the forwarder's outgoing barring applies", async () => {
      const routed: string[] = [];
      const trunks = await featureWorld(undefined, {
        route: (digits) => {
          routed.push(digits);
          return forward([{ uri: parseUri(`sip:${digits}@192.0.2.77`) }]);
        },
      });
      try {
        await trunks.features.updateDomainFeatures('example.com', { numbering: berlin });
        await trunks.features.updateSubscriberFeatures('bob', 'example.com', {
          forwardAlways: '015112345678',
        });
        const request = invite('sip:bob@example.com');
        const ctx = calleeCtx();
        const decision = await new CalleeFeatures(trunks, trunks.forwarding).decide(request, ctx);
        expect(forwardedTo(decision)).toEqual(['sip:4915112345678@192.0.2.77']);
        expect(routed).toEqual(['4915112345678']);
        const copy = request.clone();
        ctx.prepare!(copy);
        expect(copy.get('diversion')).toBe('<sip:bob@example.com>;reason=unconditional;counter=1');
        expect(ctx.callee).toBeUndefined();
        await trunks.features.updateSubscriberFeatures('bob', 'example.com', { barOutgoing: ['+49151*'] });
        const barred = await new CalleeFeatures(trunks, trunks.forwarding).decide(
          invite('sip:bob@example.com'),
          calleeCtx(),
        );
        expect((barred as { response: { reason: string } }).response.reason).toBe('Outgoing Calls Barred');
        expect(routed).toHaveLength(1);
      } finally {
        await trunks.close();
      }
    });

    it('without trunks or a default route, a number nobody has is 404', async () => {
      await w.features.updateSubscriberFeatures('bob', 'example.com', { forwardAlways: '+4915112345678' });
      expect(
        status(await new CalleeFeatures(w, w.forwarding).decide(invite('sip:bob@example.com'), calleeCtx())),
      ).toBe(404);
    });
  });
});
