import { describe, expect, it } from 'vitest';
import { isHold } from '../../../src/media/relay/index.js';
import { answerByes, answerCall, answerReinvite } from './call-steps.js';
import { SessionMediaRelay } from './fake-media-relay.js';
import {
  CALLER,
  FakeServerTransaction,
  fromCaller,
  type Harness,
  SDP_A,
  settle,
  takenCall,
} from './harness.js';

/** Time passes second by second, the relay's answers coming in between. */
async function seconds(h: Harness, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    h.clock.advance(1_000);
    await settle();
  }
}

async function timedCall(mediaTimeout: number) {
  const relay = new SessionMediaRelay();
  const h = await takenCall({ media: relay, mediaTimeout });
  await answerCall(h, { ringing: false });
  return { h, relay };
}

describe('B2BUA media timeout (b2bua.mediaTimeout)', () => {
  it('ends a call whose relay saw no RTP for the timeout: BYE with a Reason on both legs, CDR by the node', async () => {
    const { h, relay } = await timedCall(60);
    h.clock.advance(59_000);
    await settle();
    expect(relay.queries).toBe(0);
    expect(h.transport.sent('BYE')).toHaveLength(0);
    h.clock.advance(1_000);
    await settle();
    expect(relay.queries).toBe(1);
    const byes = h.transport.sent('BYE');
    expect(byes.map((b) => b.request.callId).sort()).toEqual(
      [h.aInvite.callId, h.relay.invite.callId].sort(),
    );
    for (const bye of byes) expect(bye.request.get('reason')).toBe('Q.850;cause=102;text="Media timeout"');
    await answerByes(h);
    expect(h.records).toHaveLength(1);
    expect(h.records[0]).toMatchObject({
      hangup: 'node',
      cause: 102,
      disposition: 'answered',
      status: 200,
      reason: 'Q.850;cause=102;text="Media timeout"',
    });
    expect(h.events.published.at(-1)).toMatchObject({ type: 'call.completed', hangup: 'node', cause: 102 });
    // Nothing left behind: no call, no relay session, no timer.
    expect(h.b2bua.active).toBe(0);
    expect(relay.sessions.size).toBe(0);
    expect(h.clock.pending).toBe(0);
  });

  it('keeps a call with RTP flowing, asking the relay once per timeout, not every second', async () => {
    const { h, relay } = await timedCall(60);
    for (let second = 1; second <= 300; second++) {
      relay.lastPacketAt = h.clock.now;
      await seconds(h, 1);
    }
    expect(h.transport.sent('BYE')).toHaveLength(0);
    expect(relay.queries).toBeGreaterThanOrEqual(4);
    expect(relay.queries).toBeLessThanOrEqual(6);
    // Media stops at 300 s: the call ends within the timeout and one check after it.
    const stopped = h.clock.now;
    await seconds(h, 61);
    const byes = h.transport.sent('BYE');
    expect(byes).toHaveLength(2);
    expect(h.clock.now - stopped).toBeLessThanOrEqual(61_000);
  });

  it('counts RTP only: RTCP alone does not keep a call alive', async () => {
    const { h, relay } = await timedCall(30);
    relay.lastPacketAt = undefined;
    h.clock.advance(30_000);
    await settle();
    expect(h.transport.sent('BYE')).toHaveLength(2);
  });

  it('spares a call on hold, and counts again from its resume', async () => {
    const { h, relay } = await timedCall(30);
    const hold = SDP_A.replace('m=audio 4000 RTP/AVP 0\r\n', 'm=audio 4000 RTP/AVP 0\r\na=sendonly\r\n');
    const holdTx = new FakeServerTransaction(fromCaller(h, 'INVITE', 12, hold), CALLER);
    h.core.handleRequest(holdTx.request, holdTx);
    await settle();
    await answerReinvite(h);
    expect(holdTx.statuses).toEqual([200]);
    h.core.handleAck(fromCaller(h, 'ACK', 12), CALLER);
    expect(relay.offers.at(-1)?.sdp).toContain('a=sendonly');
    await seconds(h, 300);
    expect(h.transport.sent('BYE')).toHaveLength(0);
    // Resumed (a sendrecv offer): RTP is expected again, a full timeout from the next check.
    const resumeTx = new FakeServerTransaction(fromCaller(h, 'INVITE', 13, SDP_A), CALLER);
    h.core.handleRequest(resumeTx.request, resumeTx);
    await settle();
    await answerReinvite(h);
    expect(resumeTx.statuses).toEqual([200]);
    h.core.handleAck(fromCaller(h, 'ACK', 13), CALLER);
    await seconds(h, 30);
    expect(h.transport.sent('BYE')).toHaveLength(0);
    await seconds(h, 30);
    expect(h.transport.sent('BYE')).toHaveLength(2);
  });

  it('does not end a call because the relay did not answer a query; it asks again', async () => {
    const { h, relay } = await timedCall(20);
    relay.failQueries = true;
    await seconds(h, 100);
    expect(h.transport.sent('BYE')).toHaveLength(0);
    expect(relay.queries).toBeGreaterThanOrEqual(4);
    relay.failQueries = false;
    await seconds(h, 20);
    expect(h.transport.sent('BYE')).toHaveLength(2);
  });

  it('ends a call the relay no longer knows (rtpengine timed it out itself, or restarted)', async () => {
    const { h, relay } = await timedCall(60);
    relay.sessions.clear();
    h.clock.advance(60_000);
    await settle();
    expect(h.transport.sent('BYE')).toHaveLength(2);
  });

  it('is off with 0, and for calls whose media is not anchored', async () => {
    const { h, relay } = await timedCall(0);
    h.clock.advance(3_600_000);
    await settle();
    expect(relay.queries).toBe(0);
    expect(h.transport.sent('BYE')).toHaveLength(0);
    const plain = await takenCall({ mediaTimeout: 60 });
    await answerCall(plain, { ringing: false });
    plain.clock.advance(3_600_000);
    await settle();
    expect(plain.transport.sent('BYE')).toHaveLength(0);
  });

  it('stops with the call: a BYE from the caller leaves no timer and no relay session', async () => {
    const { h, relay } = await timedCall(60);
    const byeTx = new FakeServerTransaction(fromCaller(h, 'BYE', 11), CALLER);
    h.core.handleRequest(byeTx.request, byeTx);
    await settle();
    await answerByes(h);
    expect(h.records[0]).toMatchObject({ hangup: 'caller' });
    expect(h.records[0]!.reason).toBeUndefined();
    expect(h.b2bua.active).toBe(0);
    expect(relay.sessions.size).toBe(0);
    expect(h.clock.pending).toBe(0);
    h.clock.advance(120_000);
    await settle();
    expect(relay.queries).toBe(0);
  });
});

describe('isHold', () => {
  const sdp = (extra: string, c = '198.51.100.7') =>
    `v=0\r\no=a 1 1 IN IP4 ${c}\r\ns=-\r\nc=IN IP4 ${c}\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n${extra}`;
  it('reads sendonly, recvonly, inactive and c=0.0.0.0 as hold; sendrecv and no attribute as not', () => {
    expect(isHold(sdp('a=sendonly\r\n'))).toBe(true);
    expect(isHold(sdp('a=recvonly\r\n'))).toBe(true);
    expect(isHold(sdp('a=inactive\r\n'))).toBe(true);
    expect(isHold(sdp('', '0.0.0.0'))).toBe(true);
    expect(isHold(sdp('a=sendrecv\r\n'))).toBe(false);
    expect(isHold(sdp(''))).toBe(false);
    // A session-level direction rules sections without their own.
    expect(isHold(sdp('').replace('t=0 0\r\n', 't=0 0\r\na=inactive\r\n'))).toBe(true);
    // One sendrecv stream (video still flowing) is not hold.
    expect(isHold(`${sdp('a=sendonly\r\n')}m=video 4002 RTP/AVP 96\r\n`)).toBe(false);
    // A disabled stream (port 0) does not count.
    expect(isHold(`${sdp('a=sendonly\r\n')}m=video 0 RTP/AVP 96\r\n`)).toBe(true);
  });
});
