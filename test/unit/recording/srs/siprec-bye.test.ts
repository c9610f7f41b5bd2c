import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { NegotiatedMedia } from '../../../../src/recording/session/negotiate.js';
import { SiprecServer, type SrsRecordings } from '../../../../src/recording/srs/siprec-server.js';
import type { RecordingSummary } from '../../../../src/recording/types.js';
import { type InviteServerSession, UserAgentCore } from '../../../../src/sip/ua/index.js';
import { FakeClock, FakeServerTransaction, FakeTransport, request } from '../../ua/fakes.js';

const offer =
  'v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n' +
  'm=audio 9000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=label:1\r\na=sendonly\r\n';
const answer = offer.replace('a=sendonly', 'a=recvonly');

const inviteText = `
INVITE sip:srs@203.0.113.1 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKsrc
Max-Forwards: 70
To: <sip:srs@203.0.113.1>
From: <sip:src@192.0.2.10>;tag=src1
Call-ID: rs-call
CSeq: 1 INVITE
Require: siprec
Contact: <sip:src@192.0.2.10:5060>;+sip.src
Content-Type: application/sdp
Content-Length: ${offer.length}

${offer.replaceAll('\r\n', '\n')}`;

function bye(toTag: string): FakeServerTransaction {
  return new FakeServerTransaction(
    request(`
BYE sip:srs@203.0.113.1:5060 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKbye
Max-Forwards: 70
To: <sip:srs@203.0.113.1>;tag=${toTag}
From: <sip:src@192.0.2.10>;tag=src1
Call-ID: rs-call
CSeq: 2 BYE
Content-Length: 0

`),
  );
}

/** The recording service as the SRS sees it; `stop` settles when the test says so. */
class FakeRecordings implements SrsRecordings {
  readonly stops: Array<{ reason: string; settle: (outcome: RecordingSummary | Error) => void }> = [];

  async startSignalled(): Promise<{ id: string; sdp: string; media: NegotiatedMedia }> {
    const media: NegotiatedMedia = {
      sdp: answer,
      address: '203.0.113.1',
      streams: [],
      legs: [],
      allocations: [],
    };
    return { id: 'rec-1', sdp: answer, media };
  }

  update(): void {}

  stop(_id: string, reason?: string): Promise<RecordingSummary> {
    return new Promise((resolve, reject) => {
      this.stops.push({
        reason: reason ?? 'api',
        settle: (outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome)),
      });
    });
  }
}

const stopped: RecordingSummary = {
  id: 'rec-1',
  callId: 'rs-call',
  source: 'siprec',
  status: 'stopped',
  startedAt: new Date(0).toISOString(),
  legs: [],
  stored: true,
};

async function setup(byeHoldMs?: number) {
  const logs: Array<{ level: number; msg: string; id?: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const recordings = new FakeRecordings();
  const srs = new SiprecServer(recordings, logger, byeHoldMs !== undefined ? { byeHoldMs } : {});
  // The UA core's timers, the bound's among them (the UA core keeps it, InviteSession.holdByeAnswer).
  const clock = new FakeClock();
  const ua = new UserAgentCore({
    transport: new FakeTransport(),
    timers: clock,
    t1: 500,
    t2: 4000,
    supported: SiprecServer.optionTags,
  });
  let session: InviteServerSession | undefined;
  ua.onInvite((s) => {
    session = s;
    srs.handle(s);
  });
  const inviteTx = new FakeServerTransaction(request(inviteText));
  ua.handleRequest(inviteTx.request, inviteTx);
  await vi.advanceTimersByTimeAsync(0);
  expect(inviteTx.statuses).toEqual([200]);
  const ended: string[] = [];
  session!.on('terminated', (cause) => ended.push(cause));
  /** Sends the BYE; `order` gets each response to it as it leaves. */
  const sendBye = (order: Array<string | number>) => {
    const tx = bye(session!.localTag);
    const respond = tx.respond.bind(tx);
    tx.respond = (response) => {
      order.push(response.status);
      return respond(response);
    };
    ua.handleRequest(tx.request, tx);
    return tx;
  };
  return { recordings, logs, ended, sendBye, clock };
}

describe('SiprecServer: the 200 to BYE follows the end of the recording', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers BYE only once the recording has finished (recording.stopped first)', async () => {
    const { recordings, logs, ended, sendBye, clock } = await setup();
    const order: Array<string | number> = [];
    const tx = sendBye(order);
    clock.advance(1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(recordings.stops.map((s) => s.reason)).toEqual(['bye']);
    expect(tx.responses).toHaveLength(0);
    expect(ended).toEqual([]);

    order.push('recording.stopped');
    recordings.stops[0]!.settle(stopped);
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual(['recording.stopped', 200]);
    expect(ended).toEqual(['remote-bye']);
    // The session's own end does not stop the recording a second time.
    expect(recordings.stops).toHaveLength(1);
    expect(logs.filter((l) => l.level >= 40)).toEqual([]);
  });

  it('answers at the bound when the recording takes longer, says so, and lets it finish behind', async () => {
    const { recordings, logs, ended, sendBye, clock } = await setup(4000);
    const order: Array<string | number> = [];
    const tx = sendBye(order);
    await vi.advanceTimersByTimeAsync(0);
    clock.advance(3999);
    await vi.advanceTimersByTimeAsync(0);
    expect(tx.responses).toHaveLength(0);
    clock.advance(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual([200]);
    expect(ended).toEqual(['remote-bye']);
    expect(logs.find((l) => l.level === 40)).toMatchObject({
      id: 'rec-1',
      boundMs: 4000,
      msg: 'SIPREC BYE answered before its recording finished; it finishes in the background',
    });

    recordings.stops[0]!.settle(stopped);
    clock.advance(10_000);
    await vi.advanceTimersByTimeAsync(0);
    expect(tx.statuses).toEqual([200]);
    expect(recordings.stops).toHaveLength(1);
  });

  it('answers BYE at once when stopping throws, and logs the failure', async () => {
    const { recordings, logs, sendBye } = await setup();
    const order: Array<string | number> = [];
    sendBye(order);
    await vi.advanceTimersByTimeAsync(0);
    recordings.stops[0]!.settle(new Error('disk gone'));
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual([200]);
    expect(logs.find((l) => l.level === 50)).toMatchObject({ id: 'rec-1', msg: 'SIPREC stop failed' });
  });
});
