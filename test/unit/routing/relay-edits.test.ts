import { describe, expect, it } from 'vitest';
import { anonymiseFrom } from '../../../src/routing/features/identity.js';
import { CONTINUE, type FailureStage, forward, RoutingContext } from '../../../src/routing/index.js';
import { Relay } from '../../../src/routing/relay.js';
import { parseUri } from '../../../src/sip/message/index.js';
import { FakeServerTransaction, FakeStack, flush, invite } from '../proxy/fakes.js';
import { options, source } from './harness.js';

/** On busy, on to voicemail with a header of its own (as forward-on-failure adds a Diversion). */
const toVoicemail: FailureStage = {
  name: 'to-voicemail',
  decide: (_request, best) =>
    best.status === 486
      ? forward([
          {
            uri: parseUri('sip:voicemail@192.0.2.40'),
            prepare: (copy) => copy.prepend('Diversion', '<sip:bob@example.com>;reason=user-busy;counter=1'),
          },
        ])
      : CONTINUE,
};

describe('the relay applies the request-wide edits (RoutingContext.prepare)', () => {
  it('to every branch: the first ones and those a failure stage starts, after their own edits', async () => {
    const stack = new FakeStack();
    const relay = new Relay(stack, options, [toVoicemail]);
    const req = invite();
    const server = new FakeServerTransaction(req);
    const context = new RoutingContext(source, server);
    context.prepare = anonymiseFrom;
    relay.forward(
      req,
      server,
      [{ uri: parseUri('sip:bob@192.0.2.30'), prepare: (c) => c.set('X-Own', '1') }],
      context,
    );
    await flush();
    stack.answer(0, 486);
    await flush();
    expect(stack.sent).toHaveLength(2);
    for (const sent of stack.sent) {
      expect(sent.request.from.uri.toString()).toBe('sip:anonymous@anonymous.invalid');
      expect(sent.request.from.tag).toBe(req.from.tag);
    }
    expect(stack.sent[0]!.request.get('x-own')).toBe('1');
    expect(stack.sent[1]!.request.get('diversion')).toBe('<sip:bob@example.com>;reason=user-busy;counter=1');
    // The request itself (and so the responses upstream) keeps the caller's From.
    expect(req.from.uri.toString()).not.toBe('sip:anonymous@anonymous.invalid');
  });
});

describe('the relay shows each branch response to the context (RoutingContext.watchResponse)', () => {
  it('with the target it came from, for the first branches and those a failure stage starts', async () => {
    const stack = new FakeStack();
    const relay = new Relay(stack, options, [toVoicemail]);
    const req = invite();
    const server = new FakeServerTransaction(req);
    const context = new RoutingContext(source, server);
    const seen: Array<[number, string, string | undefined]> = [];
    context.watchResponse = (response, target) =>
      seen.push([response.status, target.uri.toString(), response.get('x-fixed')]);
    const flow = { protocol: 'ws' as const, address: '192.0.2.30', port: 51_000, connectionId: 'ws-1' };
    relay.forward(
      req,
      server,
      [
        {
          uri: parseUri('sip:bob@k2.invalid;transport=ws'),
          nextHop: flow,
          prepareResponse: (r) => r.set('X-Fixed', 'yes'),
        },
      ],
      context,
    );
    await flush();
    stack.answer(0, 486);
    await flush();
    stack.answer(1, 200, 'vm');
    await flush();
    // The target's own response edits come first: the watcher sees the response as it goes upstream.
    expect(seen).toEqual([
      [486, 'sip:bob@k2.invalid;transport=ws', 'yes'],
      [200, 'sip:voicemail@192.0.2.40', undefined],
    ]);
  });
});
