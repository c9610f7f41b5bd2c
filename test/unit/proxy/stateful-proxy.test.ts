import { describe, expect, it } from 'vitest';
import { parseUri } from '../../../src/sip/message/index.js';
import { type ForwardTarget, type ProxyEvents, StatefulProxy } from '../../../src/sip/proxy/index.js';
import { ManualClock } from '../../../src/sip/transaction/index.js';
import { FakeServerTransaction, FakeStack, flush, invite, LiteralStack } from './fakes.js';

/** The test INVITE's transaction turned into another method's request (CANCEL, OPTIONS). */
function inviteAs(method: string) {
  const request = invite();
  request.method = method;
  return request.set('cseq', `1 ${method}`);
}

function setup<State = undefined>(recordRoute = true, events: ProxyEvents<State> = {}) {
  const stack = new FakeStack();
  const timers = new ManualClock();
  const proxy = new StatefulProxy<State>(
    stack,
    {
      recordRoute,
      timerC: 180_000,
      t1: 500,
      clock: timers,
    },
    events,
  );
  return { stack, timers, proxy };
}

/** Forwards the server transaction's request (the test INVITE by default) and lets the branches start. */
async function forward<State>(
  proxy: StatefulProxy<State>,
  targets: ForwardTarget[],
  server = new FakeServerTransaction(invite()),
  state?: State,
): Promise<FakeServerTransaction> {
  proxy.forward(server.request, server, targets, state);
  await flush();
  return server;
}

/** A CANCEL from upstream for `server`'s INVITE (RFC 3261 §16.10): whether the proxy matched it, and its answers. */
function cancelFromUpstream<State>(proxy: StatefulProxy<State>, server: FakeServerTransaction) {
  const cancelServer = new FakeServerTransaction(inviteAs('CANCEL'));
  return {
    matched: proxy.cancel(cancelServer.request, cancelServer, server),
    responses: cancelServer.responses,
  };
}

const target = (uri: string, q?: number) => ({ uri: parseUri(uri), q });

describe('StatefulProxy forwarding (RFC 3261 §16.6)', () => {
  it('adds Via, Record-Route, decrements Max-Forwards and keeps the rest', async () => {
    const { stack, proxy } = setup();
    await forward(
      proxy,
      [target('sip:bob@192.0.2.20:5070')],
      new FakeServerTransaction(invite('X-Custom:   odd  value\n')),
    );
    expect(stack.sent).toHaveLength(1);
    const out = stack.sent[0]!;
    expect(out.target).toEqual({ protocol: 'udp', address: '192.0.2.20', port: 5070 });
    expect(out.request.uriText).toBe('sip:bob@192.0.2.20:5070');
    expect(out.request.via).toHaveLength(2);
    expect(out.request.topVia!.host).toBe('192.0.2.10');
    expect(out.request.topVia!.branch).toMatch(/^z9hG4bK/);
    expect(out.request.maxForwards).toBe(69);
    expect(out.request.getAll('record-route')).toEqual(['<sip:192.0.2.10:5060;lr>']);
    expect(out.request.toString()).toContain('X-Custom:   odd  value\r\n');
  });

  it('answers 483 when Max-Forwards is 0', () => {
    const { stack, proxy } = setup();
    const req = invite().set('max-forwards', '0');
    const server = new FakeServerTransaction(req);
    proxy.forward(req, server, [target('sip:bob@192.0.2.20')]);
    expect(server.responses.map((r) => r.status)).toEqual([483]);
    expect(stack.sent).toHaveLength(0);
  });

  it('does not forward 100, relays 180, forwards 200 with our Via removed', async () => {
    const { stack, proxy } = setup();
    const server = await forward(proxy, [target('sip:bob@192.0.2.20')]);
    stack.answer(0, 100);
    stack.answer(0, 180, 'b1');
    stack.answer(0, 200, 'b1');
    expect(server.responses.map((r) => r.status)).toEqual([180, 200]);
    expect(server.responses[1]!.via.map((v) => v.branch)).toEqual(['z9hG4bKuac1']);
  });

  it('forks in parallel, forwards the 2xx and CANCELs the ringing branch', async () => {
    const { stack, proxy } = setup();
    const server = await forward(proxy, [target('sip:bob@192.0.2.20'), target('sip:bob@192.0.2.21')]);
    expect(stack.sent).toHaveLength(2);
    stack.answer(1, 180, 'b2');
    stack.answer(0, 200, 'b1');
    const cancel = stack.sent[2]!;
    expect(cancel.request.method).toBe('CANCEL');
    expect(cancel.target.address).toBe('192.0.2.21');
    expect(cancel.request.topVia!.branch).toBe(stack.sent[1]!.request.topVia!.branch);
    expect(cancel.request.cseq).toEqual({ seq: 1, method: 'CANCEL' });
    // A second 2xx from another fork is forwarded too (RFC 3261 §16.7 step 5).
    stack.answer(1, 200, 'b2');
    expect(server.responses.map((r) => r.status)).toEqual([180, 200, 200]);
  });

  it('waits for a provisional before sending CANCEL on a silent branch (RFC 3261 §9.1)', async () => {
    const { stack, proxy } = setup();
    await forward(proxy, [target('sip:bob@192.0.2.20'), target('sip:bob@192.0.2.21')]);
    stack.answer(0, 200, 'b1');
    expect(stack.sent).toHaveLength(2);
    stack.answer(1, 180, 'b2');
    expect(stack.sent[2]!.request.method).toBe('CANCEL');
  });

  it('picks the best final response: 6xx over everything, lowest class otherwise, 503 becomes 500', async () => {
    const cases: Array<[number[], number]> = [
      [[486, 404], 486],
      [[503, 404], 404],
      [[503, 503], 500],
      [[302, 486], 302],
      [[404, 407], 407],
      [[408, 486], 486],
      [[486, 408], 486],
      [[408, 408], 408],
    ];
    for (const [statuses, best] of cases) {
      const { stack, proxy } = setup();
      const server = await forward(
        proxy,
        statuses.map((_s, i) => target(`sip:bob@192.0.2.${20 + i}`)),
      );
      for (const [i, s] of statuses.entries()) stack.answer(i, s, `t${i}`);
      expect(server.responses.map((r) => r.status)).toEqual([best]);
    }
  });

  it('a 6xx cancels the other branches and is forwarded once they end', async () => {
    const { stack, proxy } = setup();
    const server = await forward(proxy, [target('sip:bob@192.0.2.20'), target('sip:bob@192.0.2.21')]);
    stack.answer(1, 180, 'b2');
    stack.answer(0, 603, 'b1');
    expect(stack.sent[2]!.request.method).toBe('CANCEL');
    stack.answer(1, 487, 'b2');
    expect(server.responses.map((r) => r.status)).toEqual([180, 603]);
  });

  it('aggregates challenges of 401/407 branches (RFC 3261 §16.7 step 7)', async () => {
    const { stack, proxy } = setup();
    const server = await forward(proxy, [target('sip:bob@192.0.2.20'), target('sip:bob@192.0.2.21')]);
    stack.answer(0, 407, 't0', [['Proxy-Authenticate', 'Digest realm="a", nonce="1"']]);
    stack.answer(1, 407, 't1', [['Proxy-Authenticate', 'Digest realm="b", nonce="2"']]);
    expect(server.responses[0]!.getAll('proxy-authenticate')).toHaveLength(2);
  });

  it('forks serially by q: lower q only after the higher group failed', async () => {
    const { stack, proxy } = setup();
    const server = await forward(proxy, [target('sip:bob@192.0.2.30', 0.5), target('sip:bob@192.0.2.20', 1)]);
    expect(stack.sent.map((s) => s.target.address)).toEqual(['192.0.2.20']);
    stack.answer(0, 486, 'x');
    await flush();
    expect(stack.sent.map((s) => s.target.address)).toEqual(['192.0.2.20', '192.0.2.30']);
    stack.answer(1, 200, 'y');
    expect(server.responses.map((r) => r.status)).toEqual([200]);
  });

  it('Timer C cancels a branch that rings too long, and answers 408 for a silent one', async () => {
    const { stack, proxy, timers } = setup();
    const server = await forward(proxy, [target('sip:bob@192.0.2.20'), target('sip:bob@192.0.2.21')]);
    stack.answer(0, 180, 'b1');
    timers.advance(179_999);
    expect(stack.sent).toHaveLength(2);
    timers.advance(1);
    expect(stack.sent[2]!.request.method).toBe('CANCEL');
    expect(stack.sent[2]!.target.address).toBe('192.0.2.20');
    stack.answer(0, 487, 'b1');
    // The silent branch: Timer C treats it as 408 (normally Timer B ends it first).
    expect(server.responses.map((r) => r.status)).toEqual([180, 487]);
  });

  it('Timer C restarts at every provisional (RFC 3261 §16.7 step 2)', async () => {
    const { stack, proxy, timers } = setup();
    const server = await forward(proxy, [target('sip:bob@192.0.2.20')]);
    timers.advance(100_000);
    stack.answer(0, 180, 'b1');
    timers.advance(100_000);
    stack.answer(0, 183, 'b1');
    timers.advance(179_999);
    expect(stack.sent).toHaveLength(1);
    timers.advance(1);
    expect(stack.sent[1]!.request.method).toBe('CANCEL');
    stack.answer(0, 487, 'b1');
    expect(server.responses.map((r) => r.status)).toEqual([180, 183, 487]);
  });

  it('a CANCEL from upstream cancels every branch; 487 goes upstream', async () => {
    const { stack, proxy } = setup();
    const server = await forward(proxy, [target('sip:bob@192.0.2.20')]);
    stack.answer(0, 180, 'b1');
    const cancel = cancelFromUpstream(proxy, server);
    expect(cancel.matched).toBe(true);
    expect(cancel.responses.map((r) => r.status)).toEqual([200]);
    expect(stack.sent[1]!.request.method).toBe('CANCEL');
    stack.answer(0, 487, 'b1');
    expect(server.responses.map((r) => r.status)).toEqual([180, 487]);
  });

  it('timeouts and transport errors count as 408 and 503 (sent as 500)', async () => {
    const { stack, proxy } = setup();
    const server = await forward(proxy, [target('sip:bob@192.0.2.20'), target('sip:bob@192.0.2.21')]);
    stack.sent[0]!.handlers.onTimeout?.(stack.sent[0]!.transaction);
    stack.sent[1]!.handlers.onTransportError?.(new Error('x'), stack.sent[1]!.transaction);
    expect(server.responses.map((r) => r.status)).toEqual([408]);
  });

  it('forgets the response context when the server transaction ends', async () => {
    const { stack, proxy } = setup();
    const server = await forward(proxy, [target('sip:bob@192.0.2.20')]);
    stack.answer(0, 200, 'b1');
    expect(proxy.size).toBe(1);
    server.terminate();
    expect(proxy.size).toBe(0);
  });

  it('once done, passes a 2xx retransmission upstream during Timer M without the context (RFC 6026 §8)', async () => {
    const { stack, proxy } = setup();
    const edited: number[] = [];
    const edit = { prepareResponse: (r: { status: number }) => edited.push(r.status) };
    const server = await forward(proxy, [{ ...target('sip:bob@192.0.2.20'), ...edit }]);
    stack.answer(0, 180, 'b1');
    stack.answer(0, 200, 'b1');
    // The final went upstream and the only branch ended: what the branch keeps is retired.
    stack.answer(0, 200, 'b1');
    stack.answer(0, 180, 'b1'); // not a 2xx: nothing to pass on
    expect(server.responses.map((r) => r.status)).toEqual([180, 200, 200]);
    expect(server.responses[2]!.via.map((v) => v.branch)).toEqual(['z9hG4bKuac1']);
    expect(edited).toEqual([180, 200, 200]);
    // A non-INVITE's late final is not forwarded again.
    const optionsServer = await forward(
      proxy,
      [target('sip:bob@192.0.2.20')],
      new FakeServerTransaction(inviteAs('OPTIONS')),
    );
    stack.answer(1, 200);
    stack.answer(1, 200);
    expect(optionsServer.responses.map((r) => r.status)).toEqual([200]);
  });

  it("passes a late fork's 2xx upstream after the CANCELled branch ended and the context went", async () => {
    const { stack, proxy, timers } = setup();
    const server = await forward(proxy, [target('sip:bob@192.0.2.20'), target('sip:bob@192.0.2.21')]);
    stack.answer(0, 200, 'b1'); // the silent second branch is to be CANCELled after a provisional
    stack.answer(1, 100);
    expect(stack.sent[2]!.request.method).toBe('CANCEL');
    timers.advance(64 * 500); // no final for the CANCELled branch: it counts as 487
    stack.answer(1, 200, 'b2'); // a late fork's 2xx still goes upstream (§16.7 step 5)
    expect(server.responses.map((r) => `${r.status} ${r.to.tag}`)).toEqual(['200 b1', '200 b2']);
  });

  it('answers 200 to a CANCEL that arrives after the final response, and sends none downstream', async () => {
    const { stack, proxy } = setup();
    const server = await forward(proxy, [target('sip:bob@192.0.2.20')]);
    stack.answer(0, 180, 'b1');
    stack.answer(0, 200, 'b1');
    const cancel = cancelFromUpstream(proxy, server);
    expect(cancel.matched).toBe(true);
    expect(cancel.responses.map((r) => r.status)).toEqual([200]);
    expect(stack.sent.map((s) => s.request.method)).toEqual(['INVITE']);
    server.terminate();
    expect(proxy.size).toBe(0);
    expect(cancelFromUpstream(proxy, server).matched).toBe(false);
  });

  it('record-routes twice when the transport changes (RFC 5658)', async () => {
    const { stack, proxy } = setup();
    const tcp = { protocol: 'tcp' as const, address: '192.0.2.1', port: 40000 };
    await forward(proxy, [target('sip:bob@192.0.2.20')], new FakeServerTransaction(invite(), tcp));
    expect(stack.sent[0]!.request.getAll('record-route')).toHaveLength(2);
  });

  it('sends a sips request only over TLS or WSS hops (RFC 5630 §3.1.3)', async () => {
    const { stack, proxy } = setup();
    const sipsInvite = () => {
      const req = invite();
      req.uri = parseUri('sips:bob@example.com');
      return new FakeServerTransaction(req);
    };
    const clear = {
      uri: parseUri('sip:bob@192.0.2.20'),
      nextHop: { protocol: 'udp' as const, address: '192.0.2.20', port: 5060 },
    };
    const secure = {
      uri: parseUri('sips:bob@192.0.2.21'),
      nextHop: { protocol: 'wss' as const, address: '192.0.2.21', port: 443 },
    };
    const server = await forward(proxy, [clear, secure], sipsInvite());
    expect(stack.sent.map((s) => s.target.protocol)).toEqual(['wss']);
    stack.answer(0, 486);
    await flush();
    // The clear branch counted as 480; the best response is picked among 480 and 486 (§16.7 step 6).
    expect(server.responses.map((r) => r.status)).toEqual([480]);

    const alone = await forward(proxy, [clear], sipsInvite());
    expect(server.responses).toHaveLength(1);
    expect(alone.responses.map((r) => `${r.status} ${r.reason}`)).toEqual(['480 Not Reachable Securely']);
  });
});

describe('StatefulProxy destinations (RFC 3263 §4)', () => {
  function literalSetup() {
    const stack = new LiteralStack();
    const proxy = new StatefulProxy(stack, { recordRoute: true, timerC: 180_000, t1: 500 });
    return { stack, proxy };
  }

  it('sends to an IP-literal target in the same turn: no promise, no later microtask', () => {
    const { stack, proxy } = literalSetup();
    const req = invite();
    proxy.forward(req, new FakeServerTransaction(req), [target('sip:bob@192.0.2.20:5070')]);
    expect(stack.sent.map((s) => s.target)).toEqual([{ protocol: 'udp', address: '192.0.2.20', port: 5070 }]);
    expect(stack.sent[0]!.request.uriText).toBe('sip:bob@192.0.2.20:5070');
  });

  it('waits for DNS for a name, and forks to literals and names alike', async () => {
    const { stack, proxy } = literalSetup();
    const req = invite();
    const server = new FakeServerTransaction(req);
    proxy.forward(req, server, [target('sip:bob@example.com'), target('sip:bob@192.0.2.21')]);
    expect(stack.sent.map((s) => s.target.address)).toEqual(['192.0.2.21']);
    await flush();
    expect(stack.sent.map((s) => s.target.address)).toEqual(['192.0.2.21', '192.0.2.99']);
    stack.answer(1, 200, 'b1');
    expect(server.responses.map((r) => r.status)).toEqual([200]);
  });

  it('a target that cannot be resolved ends its branch as 503 (sent upstream as 500)', () => {
    const { stack, proxy } = literalSetup();
    const req = invite();
    const server = new FakeServerTransaction(req);
    proxy.forward(req, server, [target('tel:+15550100')]);
    expect(stack.sent).toHaveLength(0);
    expect(server.responses.map((r) => r.status)).toEqual([500]);
  });

  it('a branch that fails at once leaves its parallel siblings running', () => {
    const { stack, proxy } = literalSetup();
    const req = invite();
    const server = new FakeServerTransaction(req);
    proxy.forward(req, server, [target('tel:+15550100'), target('sip:bob@192.0.2.21')]);
    expect(server.responses).toHaveLength(0);
    stack.answer(0, 486, 'b1');
    // §16.7 step 6: 486 beats the unresolvable branch's 503.
    expect(server.responses.map((r) => r.status)).toEqual([486]);
  });
});

describe('StatefulProxy per-target timers and edits', () => {
  it('noAnswerTimeout CANCELs a ringing branch and counts it as 408 at once (a ring timeout)', async () => {
    const { stack, proxy, timers } = setup();
    const server = await forward(proxy, [{ ...target('sip:bob@192.0.2.20'), noAnswerTimeout: 20_000 }]);
    stack.answer(0, 180, 'b1');
    timers.advance(19_999);
    expect(stack.sent).toHaveLength(1);
    timers.advance(1);
    expect(stack.sent[1]!.request.method).toBe('CANCEL');
    expect(server.responses.map((r) => r.status)).toEqual([180, 408]);
    // The 487 that answers our CANCEL, and a late 180, go nowhere.
    stack.answer(0, 180, 'b1');
    stack.answer(0, 487, 'b1');
    expect(server.responses.map((r) => r.status)).toEqual([180, 408]);
  });

  it('noAnswerTimeout on a silent branch waits for a provisional before its CANCEL (RFC 3261 §9.1)', async () => {
    const { stack, proxy, timers } = setup();
    const server = await forward(proxy, [{ ...target('sip:bob@192.0.2.20'), noAnswerTimeout: 5_000 }]);
    timers.advance(5_000);
    expect(server.responses.map((r) => r.status)).toEqual([408]);
    expect(stack.sent).toHaveLength(1);
    stack.answer(0, 100);
    expect(stack.sent[1]!.request.method).toBe('CANCEL');
  });

  it('a final response before noAnswerTimeout stops it', async () => {
    const { stack, proxy, timers } = setup();
    const server = await forward(proxy, [{ ...target('sip:bob@192.0.2.20'), noAnswerTimeout: 1_000 }]);
    stack.answer(0, 200, 'b1');
    timers.advance(5_000);
    expect(stack.sent).toHaveLength(1);
    expect(server.responses.map((r) => r.status)).toEqual([200]);
  });

  it('noReplyTimeout gives up a branch with no response at all, and the next group is tried', async () => {
    const { stack, proxy, timers } = setup();
    const server = await forward(proxy, [
      { ...target('sip:gw1@192.0.2.20', 1), noReplyTimeout: 2_000 },
      { ...target('sip:gw2@192.0.2.21', 0.5), noReplyTimeout: 2_000 },
    ]);
    timers.advance(2_000);
    await flush();
    expect(stack.sent[0]!.abandoned).toBe(true);
    expect(stack.sent.map((s) => s.request.uriText)).toEqual(['sip:gw1@192.0.2.20', 'sip:gw2@192.0.2.21']);
    // The second gateway said 100: it is alive, and the timer no longer applies to it.
    stack.answer(1, 100);
    timers.advance(10_000);
    expect(stack.sent[1]!.abandoned).toBe(false);
    stack.answer(1, 200, 'g2');
    expect(server.responses.map((r) => r.status)).toEqual([200]);
  });

  it("each branch's timeouts run on their own delays, whichever started first", async () => {
    const { stack, proxy, timers } = setup();
    const server = await forward(proxy, [
      { ...target('sip:gw1@192.0.2.20'), noReplyTimeout: 3_000 },
      { ...target('sip:gw2@192.0.2.21'), noReplyTimeout: 1_000, noAnswerTimeout: 4_000 },
    ]);
    timers.advance(999);
    expect(stack.sent.map((s) => s.abandoned)).toEqual([false, false]);
    timers.advance(1);
    expect(stack.sent.map((s) => s.abandoned)).toEqual([false, true]);
    stack.answer(0, 180, 'g1');
    timers.advance(10_000);
    expect(stack.sent.map((s) => s.abandoned)).toEqual([false, true]);
    expect(stack.sent).toHaveLength(2); // gw2's ring timeout ended with the branch: no CANCEL
    stack.answer(0, 486, 'g1');
    expect(server.responses.map((r) => r.status)).toEqual([180, 486]);
  });

  it('prepare edits the branch copy only, after the proxy added its own headers', async () => {
    const { stack, proxy } = setup();
    const req = invite();
    const diverted: ForwardTarget = {
      ...target('sip:carol@192.0.2.30'),
      prepare: (copy) => {
        copy.prepend('Diversion', '<sip:bob@example.com>;reason=unconditional;counter=1');
        expect(copy.topVia!.host).toBe('192.0.2.10');
      },
    };
    await forward(proxy, [diverted], new FakeServerTransaction(req));
    expect(stack.sent[0]!.request.get('diversion')).toBe(
      '<sip:bob@example.com>;reason=unconditional;counter=1',
    );
    expect(req.has('diversion')).toBe(false);
  });
});

describe('StatefulProxy failure handling (every branch failed, before the best response goes upstream)', () => {
  function withHook(hook: ProxyEvents<string>['onAllBranchesFailed']) {
    const calls: Array<{ status: number; state: string | undefined }> = [];
    const { stack, proxy } = setup<string>(false, {
      onAllBranchesFailed: (request, best, state) => {
        calls.push({ status: best.status, state });
        return hook?.(request, best, state);
      },
    });
    return { stack, proxy, calls };
  }

  it('offers the best response with the state given to forward, and starts the targets it returns', async () => {
    let rounds = 0;
    const { stack, proxy, calls } = withHook((_r, best) =>
      best.status === 486 && ++rounds === 1 ? [target('sip:vm@192.0.2.40')] : undefined,
    );
    const server = await forward(proxy, [target('sip:bob@192.0.2.20')], undefined, 'call-state');
    stack.answer(0, 486);
    await flush();
    expect(calls).toEqual([{ status: 486, state: 'call-state' }]);
    expect(stack.sent[1]!.request.uriText).toBe('sip:vm@192.0.2.40');
    stack.answer(1, 480);
    await flush();
    // Second round: nothing more to try; the best of all branches goes up (486 and 480: the first 4xx).
    expect(calls.map((c) => c.status)).toEqual([486, 486]);
    expect(server.responses.map((r) => r.status)).toEqual([486]);
  });

  it('waits for an asynchronous answer, and answers 487 when a CANCEL came meanwhile', async () => {
    let release: (targets: undefined) => void = () => {};
    const { stack, proxy } = withHook(() => new Promise((r) => (release = r)));
    const server = await forward(proxy, [target('sip:bob@192.0.2.20')]);
    stack.answer(0, 486);
    expect(cancelFromUpstream(proxy, server).matched).toBe(true);
    release(undefined);
    await flush();
    expect(server.responses.map((r) => r.status)).toEqual([487]);
  });

  it('is not asked after a 6xx (RFC 3261 §16.7 step 5), and not forever', async () => {
    const decline = withHook(() => [target('sip:vm@192.0.2.40')]);
    const server = await forward(decline.proxy, [target('sip:bob@192.0.2.20')]);
    decline.stack.answer(0, 603);
    expect(decline.calls).toEqual([]);
    expect(server.responses.map((r) => r.status)).toEqual([603]);

    const again = withHook(() => [target('sip:bob@192.0.2.20')]);
    const loopServer = new FakeServerTransaction(invite());
    again.proxy.forward(loopServer.request, loopServer, [target('sip:bob@192.0.2.20')]);
    for (let n = 0; n < 20 && loopServer.responses.length === 0; n++) {
      await flush();
      again.stack.answer(again.stack.sent.length - 1, 486);
    }
    expect(again.calls.length).toBe(10);
    expect(loopServer.responses.map((r) => r.status)).toEqual([486]);
  });
});
