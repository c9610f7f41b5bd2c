import { describe, expect, it } from 'vitest';
import { CONTINUE, type FailureStage, forward, RoutingRole } from '../../../src/routing/index.js';
import { parseUri } from '../../../src/sip/message/index.js';
import { FakeServerTransaction, FakeStack, flush, invite } from '../proxy/fakes.js';
import { options, RecordingNode } from './harness.js';

/** Forwarding on busy, as a test of the mechanism: a 486 sends the call to a voicemail address. */
const forwardOnBusy: FailureStage = {
  name: 'forward-on-busy',
  decide: (_request, best) =>
    best.status === 486 ? forward([{ uri: parseUri('sip:voicemail@192.0.2.40') }]) : CONTINUE,
};

function outboundProxy(failureStages: FailureStage[] = []) {
  const stack = new FakeStack();
  const role = new RoutingRole(
    stack,
    { ...options, defaultRoute: 'sip:192.0.2.50:5080' },
    new RecordingNode(),
    undefined,
    { failureStages },
  );
  return { stack, role };
}

describe('the routing role', () => {
  it('relays through the stages to the default route', async () => {
    const { stack, role } = outboundProxy();
    const req = invite();
    role.onRequest(req, new FakeServerTransaction(req));
    await flush();
    expect(stack.sent.map((s) => s.target.address)).toEqual(['192.0.2.50']);
  });

  it('sends the best response upstream when every branch failed and no failure stage acts', async () => {
    const { stack, role } = outboundProxy([forwardOnBusy]);
    const req = invite();
    const server = new FakeServerTransaction(req);
    role.onRequest(req, server);
    await flush();
    stack.answer(0, 404);
    await flush();
    expect(server.responses.map((r) => r.status)).toEqual([404]);
  });

  it('lets a failure stage start new branches before the response goes upstream', async () => {
    const { stack, role } = outboundProxy([forwardOnBusy]);
    const req = invite();
    const server = new FakeServerTransaction(req);
    role.onRequest(req, server);
    await flush();
    stack.answer(0, 486);
    await flush();
    // The 486 did not go upstream: the call went on to the new target, in the same transaction.
    expect(server.responses).toEqual([]);
    expect(stack.sent).toHaveLength(2);
    expect(stack.sent[1]!.request.uriText).toBe('sip:voicemail@192.0.2.40');
    expect(stack.sent[1]!.target.address).toBe('192.0.2.40');
    stack.answer(1, 200, 'vm');
    expect(server.responses.map((r) => r.status)).toEqual([200]);
  });

  it('without failure stages, a busy callee is busy upstream', async () => {
    const { stack, role } = outboundProxy();
    const req = invite();
    const server = new FakeServerTransaction(req);
    role.onRequest(req, server);
    await flush();
    stack.answer(0, 486);
    await flush();
    expect(server.responses.map((r) => r.status)).toEqual([486]);
  });
});
