import { describe, expect, it } from 'vitest';
import type {
  MediaAnswerRequest,
  MediaDeleteRequest,
  MediaOfferRequest,
  MediaRelay,
  MediaSessionStatistics,
} from '../../../src/media/relay/index.js';
import { TrunkCall } from '../../../src/routing/index.js';
import type { Trunk } from '../../../src/store/index.js';
import { respondTo } from './call-steps.js';
import {
  CALLER,
  callerAck,
  FakeServerTransaction,
  fromCaller,
  SDP_A,
  SDP_B,
  settle,
  takenCall,
} from './harness.js';

/** A relay that answers with its own address in the SDP and records what it was asked. */
class FakeMediaRelay implements MediaRelay {
  readonly kind = 'fake';
  readonly offers: MediaOfferRequest[] = [];
  readonly answers: MediaAnswerRequest[] = [];
  readonly deletes: MediaDeleteRequest[] = [];
  readonly stats: MediaSessionStatistics = {
    callId: '',
    createdAt: 0,
    streams: [
      {
        fromTag: 'alicetag',
        component: 'rtp',
        packets: 150,
        bytes: 24_000,
        lost: 1,
        duplicates: 0,
        jitterMs: 2,
      },
    ],
  };
  async offer(request: MediaOfferRequest) {
    this.offers.push(request);
    return { sdp: request.sdp.replace(/198\.51\.100\.7|192\.0\.2\.20/g, '203.0.113.50') };
  }
  async answer(request: MediaAnswerRequest) {
    this.answers.push(request);
    return { sdp: request.sdp.replace(/198\.51\.100\.7|192\.0\.2\.20/g, '203.0.113.50') };
  }
  async delete(request: MediaDeleteRequest) {
    this.deletes.push(request);
    return this.stats;
  }
  async query() {
    return this.stats;
  }
  async subscribe(): Promise<never> {
    throw new Error('not used');
  }
  async subscribeAnswer() {}
  async unsubscribe() {}
  onEvent() {
    return () => {};
  }
  async close() {}
}

describe('B2BUA call: media anchored on the relay', () => {
  it("gives each side the relay's SDP, never the other's, deletes the session at the end and keeps its statistics", async () => {
    const relay = new FakeMediaRelay();
    const h = await takenCall({ media: relay });
    expect(relay.offers).toHaveLength(1);
    expect(relay.offers[0]).toMatchObject({ fromTag: 'alicetag', sdp: SDP_A, label: 'caller' });
    const bSdp = h.relay.invite.body.toString();
    expect(bSdp).toContain('203.0.113.50');
    expect(bSdp).not.toContain('198.51.100.7');
    h.relay.respond(200, { body: SDP_B });
    await settle();
    expect(relay.answers[0]).toMatchObject({ fromTag: 'alicetag', toTag: 'bobtag', sdp: SDP_B });
    const ok = h.aTx.responses.find((r) => r.status === 200)!;
    expect(ok.body.toString()).toContain('203.0.113.50');
    expect(ok.body.toString()).not.toContain('192.0.2.20');
    h.core.handleAck(callerAck(h), CALLER);

    // Hold from the caller: the new offer goes through the relay too.
    const hold = SDP_A.replace('t=0 0\r\n', 't=0 0\r\na=sendonly\r\n');
    const reinvite = new FakeServerTransaction(fromCaller(h, 'INVITE', 12, hold), CALLER);
    h.core.handleRequest(reinvite.request, reinvite);
    await settle();
    expect(relay.offers).toHaveLength(2);
    const sent = h.transport.sent('INVITE')[0]!;
    expect(sent.request.body.toString()).toContain('203.0.113.50');
    respondTo(sent, 200, { body: SDP_B });
    await settle();
    expect(reinvite.statuses).toEqual([200]);
    expect(reinvite.responses[0]!.body.toString()).toContain('203.0.113.50');

    const bye = new FakeServerTransaction(fromCaller(h, 'BYE', 13), CALLER);
    h.core.handleRequest(bye.request, bye);
    await settle();
    // One dialogue: deleted by its two tags, which rtpengine answers with the statistics at once.
    expect(relay.deletes).toEqual([{ callId: h.records[0]!.id, fromTag: 'alicetag', toTag: 'bobtag' }]);
    expect(h.records[0]!.media).toBe(relay.stats);
  });

  it("sends the relay's SDP in the caller's reliable 183 (RFC 3262) for the callee's reliable early media", async () => {
    const relay = new FakeMediaRelay();
    const h = await takenCall({ media: relay, callerExtra: 'Supported: 100rel\n' });
    h.relay.respond(183, {
      body: SDP_B,
      extra: [
        ['require', '100rel'],
        ['rseq', '1'],
      ],
    });
    await settle();
    expect(relay.answers[0]).toMatchObject({ fromTag: 'alicetag', toTag: 'bobtag', sdp: SDP_B });
    const early = h.aTx.responses.find((r) => r.status === 183)!;
    expect(early.get('rseq')).toMatch(/^\d+$/);
    expect(early.body.toString()).toContain('203.0.113.50');
    expect(early.body.toString()).not.toContain('192.0.2.20');
    expect(h.transport.sent('PRACK')).toHaveLength(1);
  });

  it("puts the outbound trunk's codec preference into the offer for the callee", async () => {
    const relay = new FakeMediaRelay();
    const h = await takenCall({
      media: relay,
      before: (context) => {
        const call = new TrunkCall('4930123', 'c', []);
        call.trunk = { name: 'carrier', codecs: ['PCMA', 'PCMU'] } as unknown as Trunk;
        context.trunkCall = call;
      },
    });
    expect(relay.offers[0]!.codecs).toEqual({ order: ['PCMA', 'PCMU'] });
    h.relay.respond(486);
    await settle();
    expect(h.records[0]).toMatchObject({ trunk: 'carrier', disposition: 'busy' });
  });

  it('a relay that refuses the offer fails the call with 488 and a CDR', async () => {
    const relay = new FakeMediaRelay();
    relay.offer = async () => {
      throw new Error('no ports');
    };
    const h = await takenCall({ media: relay });
    expect(h.relay.forwarded).toHaveLength(0);
    expect(h.aTx.statuses).toEqual([488]);
    await settle();
    expect(h.records[0]).toMatchObject({ status: 488, hangup: 'node', disposition: 'failed' });
  });
});
