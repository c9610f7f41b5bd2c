import { describe, expect, it } from 'vitest';
import type { SipRequest } from '../../../src/sip/message/index.js';
import { type InviteServerSession, type SessionEndCause, UserAgentCore } from '../../../src/sip/ua/index.js';
import { answer, FakeClock, FakeServerTransaction, FakeTransport, flush, request } from './fakes.js';

const sdp =
  'v=0\r\no=- 2 2 IN IP4 203.0.113.1\r\ns=-\r\nc=IN IP4 203.0.113.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n';

const inviteText = `
INVITE sip:bob@203.0.113.1 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKuac
Max-Forwards: 70
To: <sip:bob@example.com>
From: "Alice" <sip:alice@example.com>;tag=a1
Call-ID: hold-call
CSeq: 10 INVITE
Contact: <sip:alice@192.0.2.10:5060>
Content-Length: 0

`;

function inDialog(method: string, seq: number, toTag: string): SipRequest {
  return request(`
${method} sip:sb@203.0.113.1:5060 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK${method}${seq}
Max-Forwards: 70
To: <sip:bob@example.com>;tag=${toTag}
From: "Alice" <sip:alice@example.com>;tag=a1
Call-ID: hold-call
CSeq: ${seq} ${method}
Content-Length: 0

`);
}

/** A work the test settles by hand. */
function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/** A confirmed call on the UAS side; `events` records what the session emits, in order. */
function confirmedCall() {
  const transport = new FakeTransport();
  const clock = new FakeClock();
  const errors: Array<[unknown, string]> = [];
  const ua = new UserAgentCore({
    transport,
    timers: clock,
    t1: 500,
    t2: 4000,
    onError: (error, context) => errors.push([error, context]),
  });
  let session: InviteServerSession | undefined;
  ua.onInvite((s) => {
    session = s;
  });
  const inviteTx = new FakeServerTransaction(request(inviteText));
  ua.handleRequest(inviteTx.request, inviteTx);
  const s = session!;
  s.accept({ body: sdp });
  ua.handleAck(inDialog('ACK', 10, s.localTag), { protocol: 'udp', address: '192.0.2.10', port: 5060 });
  const events: Array<string | number> = [];
  const ended: SessionEndCause[] = [];
  s.on('bye', () => events.push('bye'));
  s.on('terminated', (cause) => {
    events.push('terminated');
    ended.push(cause);
  });
  let seq = 11;
  /** The peer sends an in-dialog request; `events` gets each status as it leaves. */
  const receive = (method: string) => {
    const tx = new FakeServerTransaction(inDialog(method, seq++, s.localTag));
    const respond = tx.respond.bind(tx);
    tx.respond = (response) => {
      events.push(`${method} ${response.status}`);
      return respond(response);
    };
    ua.handleRequest(tx.request, tx);
    return tx;
  };
  return { ua, transport, clock, session: s, events, ended, errors, receive };
}

describe('InviteSession.holdByeAnswer: the 200 to BYE waits for the user (RFC 3261 §15.1.2)', () => {
  it('without a hold, answers BYE, emits bye and ends in the same turn', () => {
    const { events, receive } = confirmedCall();
    receive('BYE');
    expect(events).toEqual(['BYE 200', 'bye', 'terminated']);
  });

  it('answers BYE once the work has finished, then emits bye and ends', async () => {
    const { session, events, ended, receive } = confirmedCall();
    const work = deferred();
    const seen: SipRequest[] = [];
    session.holdByeAnswer({
      until: (bye) => {
        seen.push(bye);
        return work.promise;
      },
      boundMs: 4000,
    });
    const bye = receive('BYE');
    await flush();
    expect(seen).toEqual([bye.request]);
    expect(events).toEqual([]);
    expect(session.state).toBe('confirmed');

    events.push('work done');
    work.resolve();
    await flush();
    expect(events).toEqual(['work done', 'BYE 200', 'bye', 'terminated']);
    expect(ended).toEqual(['remote-bye']);
  });

  it('answers at the bound, says so once, and lets the work finish behind', async () => {
    const { session, clock, events, receive } = confirmedCall();
    const work = deferred();
    const bounds: SipRequest[] = [];
    session.holdByeAnswer({ until: () => work.promise, boundMs: 4000, onBound: (bye) => bounds.push(bye) });
    const bye = receive('BYE');
    clock.advance(3999);
    await flush();
    expect(events).toEqual([]);
    clock.advance(1);
    await flush();
    expect(bounds).toEqual([bye.request]);
    expect(events).toEqual(['BYE 200', 'bye', 'terminated']);

    work.resolve();
    await flush();
    expect(bye.statuses).toEqual([200]);
    expect(bounds).toHaveLength(1);
  });

  it('never waits past 32·T1 (half the peer Timer F, §17.1.2.2), whatever the bound asked', async () => {
    const { session, clock, events, receive } = confirmedCall();
    session.holdByeAnswer({ until: () => new Promise(() => {}), boundMs: 60_000 });
    receive('BYE');
    clock.advance(32 * 500 - 1);
    await flush();
    expect(events).toEqual([]);
    clock.advance(1);
    await flush();
    expect(events).toEqual(['BYE 200', 'bye', 'terminated']);
  });

  it('answers at once when the work throws or rejects, and reports it', async () => {
    for (const until of [
      (): Promise<void> => {
        throw new Error('sync');
      },
      () => Promise.reject(new Error('async')),
    ]) {
      const { session, events, errors, receive } = confirmedCall();
      session.holdByeAnswer({ until, boundMs: 4000 });
      receive('BYE');
      await flush();
      expect(events).toEqual(['BYE 200', 'bye', 'terminated']);
      expect(errors.map(([, context]) => context)).toEqual(['BYE answer hold']);
    }
  });

  it('while held: a second BYE gets the same 200, anything else 481, and nothing is sent', async () => {
    const { session, transport, events, receive } = confirmedCall();
    const work = deferred();
    session.holdByeAnswer({ until: () => work.promise, boundMs: 4000 });
    receive('BYE');
    receive('INVITE');
    receive('INFO');
    receive('BYE');
    expect(events).toEqual(['INVITE 481', 'INFO 481']);
    expect(await session.bye()).toBeUndefined();
    await expect(session.reinvite()).rejects.toThrow('no dialog to send INVITE in');
    await flush();
    expect(transport.sent('BYE')).toHaveLength(0);
    expect(transport.sent('INVITE')).toHaveLength(0);

    work.resolve();
    await flush();
    expect(events).toEqual(['INVITE 481', 'INFO 481', 'BYE 200', 'BYE 200', 'bye', 'terminated']);
  });

  it('a re-INVITE pending when the BYE comes gets 487 at once (§15.1.2), the BYE its 200 later', async () => {
    const { session, events, receive } = confirmedCall();
    const work = deferred();
    session.holdByeAnswer({ until: () => work.promise, boundMs: 4000 });
    session.on('reinvite', () => {});
    receive('INVITE');
    receive('BYE');
    expect(events).toEqual(['INVITE 487']);
    work.resolve();
    await flush();
    expect(events).toEqual(['INVITE 487', 'BYE 200', 'bye', 'terminated']);
  });

  it('a session that ends otherwise meanwhile still answers the held BYE, and emits no bye', async () => {
    const { session, transport, events, ended, receive } = confirmedCall();
    const work = deferred();
    session.holdByeAnswer({ until: () => work.promise, boundMs: 4000 });
    void session.info();
    await flush();
    receive('BYE');
    const info = transport.sent('INFO')[0]!;
    info.receive(answer(info.request, 481));
    await flush();
    expect(ended).toEqual(['dialog-gone']);

    work.resolve();
    await flush();
    expect(events).toEqual(['terminated', 'BYE 200']);
  });
});
