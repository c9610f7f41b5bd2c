import { describe, expect, it } from 'vitest';
import { type CallPolicySource, CallRecordings, type RelayRecorder } from '../../../src/b2bua/index.js';
import {
  filterSdpCodecs,
  type MediaOfferRequest,
  type MediaRelay,
  rewriteSdp,
  sectionsLeftWithoutCodec,
} from '../../../src/media/relay/index.js';
import type { CallPolicies, CallPolicy } from '../../../src/store/index.js';
import { CALLER, callerAck, SDP_A, settle, takenCall } from './harness.js';

// An offer with G.711 both laws, G.722, G.729 and RFC 4733 events.
const OFFER =
  'v=0\r\no=alice 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n' +
  'm=audio 4000 RTP/AVP 0 8 9 18 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n' +
  'a=rtpmap:9 G722/8000\r\na=rtpmap:18 G729/8000\r\na=fmtp:18 annexb=no\r\n' +
  'a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n';
const ANSWER =
  'v=0\r\no=bob 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\n' +
  'm=audio 6000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n';

const mLine = (sdp: string) => /^m=audio \d+ RTP\/AVP ([\d ]+)\r?$/m.exec(sdp)?.[1];

describe('codec policy on the SDP', () => {
  it('allow-list, strip, reorder and ptime, telephone-event kept with its fmtp', () => {
    const out = filterSdpCodecs(OFFER, {
      allow: ['PCMU', 'PCMA', 'G729'],
      strip: ['G729'],
      order: ['PCMA'],
      ptime: 30,
    });
    expect(mLine(out)).toBe('8 0 101');
    expect(out).not.toMatch(/G722|G729|annexb/);
    expect(out).toContain('a=rtpmap:101 telephone-event/8000');
    expect(out).toContain('a=fmtp:101 0-16');
    expect(out).toContain('a=ptime:30');
    expect(out).not.toContain('a=ptime:20');
  });

  it("the built-in relay's rewrite applies the same policy and points at the relay", () => {
    const out = rewriteSdp(OFFER, {
      address: '203.0.113.50',
      ports: [30000],
      codecs: { strip: ['PCMU', 'G722'] },
    });
    expect(mLine(out)).toBe('8 18 101');
    expect(out).toContain('c=IN IP4 203.0.113.50');
  });

  it('finds the sections a policy leaves without codec (telephone-event alone carries no audio)', () => {
    expect(sectionsLeftWithoutCodec(OFFER, { allow: ['opus'] })).toEqual([0]);
    expect(sectionsLeftWithoutCodec(OFFER, { strip: ['PCMU', 'PCMA', 'G722', 'G729'] })).toEqual([0]);
    expect(sectionsLeftWithoutCodec(OFFER, { allow: ['pcma'] })).toEqual([]);
  });
});

/** Policies the fake store has for alice (the caller), bob (the callee) and example.com. */
function source(entries: { alice?: CallPolicy; bob?: CallPolicy; recorded?: string[] }): CallPolicySource {
  const found: CallPolicies = {
    subscribers: new Map(
      Object.entries({ 'alice@example.com': entries.alice, 'bob@example.com': entries.bob }).filter(
        (e): e is [string, CallPolicy] => e[1] !== undefined,
      ),
    ),
    domains: new Map(),
    trunks: new Map(),
    recordings: new Map((entries.recorded ?? []).map((s) => [s, { store: true }])),
  };
  return { callPolicies: async () => found, hasCallPolicies: async () => true };
}

const aliceCallsBob = (c: import('../../../src/routing/index.js').RoutingContext) => {
  c.caller = { aor: 'sip:alice@example.com', user: 'alice', domain: 'example.com' };
  c.domain = 'example.com';
};

/** A relay that rewrites addresses only, keeps what it is asked, and forks on request. */
class Relay implements MediaRelay {
  readonly kind = 'fake';
  readonly offers: MediaOfferRequest[] = [];
  readonly subscribed: string[] = [];
  constructor(private readonly forks = true) {}
  async offer(request: MediaOfferRequest) {
    this.offers.push(request);
    const sdp = request.codecs ? filterSdpCodecs(request.sdp, request.codecs) : request.sdp;
    return { sdp: sdp.replace(/198\.51\.100\.7|192\.0\.2\.20/g, '203.0.113.50') };
  }
  async answer(request: MediaOfferRequest) {
    return { sdp: request.sdp.replace(/198\.51\.100\.7|192\.0\.2\.20/g, '203.0.113.50') };
  }
  async delete() {
    return undefined;
  }
  async query() {
    return undefined;
  }
  async subscribe(request: { callId: string }) {
    if (!this.forks) throw new Error('the built-in relay does not fork media to recorders yet');
    this.subscribed.push(request.callId);
    return { sdp: 'v=0\r\n', toTag: 'rec', labels: {} };
  }
  async subscribeAnswer() {}
  async unsubscribe() {}
  onEvent() {
    return () => {};
  }
  async close() {}
}

describe('B2BUA calls under call policies', () => {
  it("hands the relay the callee side's policy restricted by the caller's", async () => {
    const media = new Relay();
    const h = await takenCall({
      media,
      callerExtra: '',
      policies: source({
        alice: { codecs: { strip: ['G729'] } },
        bob: { codecs: { allow: ['PCMU', 'PCMA', 'G729'], order: ['PCMA'] } },
      }),
      before: aliceCallsBob,
    });
    expect(h.taken).toBe(true);
    expect(media.offers[0]?.codecs).toEqual({
      allow: ['PCMU', 'PCMA', 'G729'],
      strip: ['g729'],
      order: ['PCMA'],
    });
  });

  it("asks the relay for the callee leg's transport: plain by default (an SDES caller ends at the relay), RTP/SAVP for bob's srtp sdes", async () => {
    const savp = SDP_A.replace(
      'RTP/AVP 0\r\n',
      'RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n',
    );
    const cases = [
      { sdp: savp, bob: undefined, transport: 'RTP/AVP' },
      { sdp: savp, bob: { srtp: 'off' as const }, transport: 'RTP/AVP' },
      { sdp: SDP_A, bob: { srtp: 'sdes' as const }, transport: 'RTP/SAVP' },
      { sdp: SDP_A, bob: undefined, transport: 'RTP/AVP' },
    ];
    for (const { sdp, bob, transport } of cases) {
      const media = new Relay();
      const h = await takenCall({ media, sdp, policies: source(bob ? { bob } : {}), before: aliceCallsBob });
      expect(h.taken).toBe(true);
      expect(media.offers[0]?.transport, JSON.stringify(bob)).toBe(transport);
    }
  });

  it('refuses 488 with a Reason when the policies leave no codec, and writes the CDR', async () => {
    const media = new Relay();
    const h = await takenCall({
      media,
      policies: source({ bob: { codecs: { allow: ['opus'] } } }),
      before: aliceCallsBob,
    });
    const final = h.aTx.responses.at(-1)!;
    expect(final.status).toBe(488);
    expect(final.get('reason')).toContain('No codec allowed by the call policy');
    expect(media.offers).toHaveLength(0);
    expect(h.relay.forwarded).toHaveLength(0);
    expect(h.records).toHaveLength(1);
    expect(h.records[0]).toMatchObject({ status: 488, disposition: 'failed', hangup: 'node' });
  });

  it('without a media relay the codec policy still filters the SDP the callee gets', async () => {
    const h = await takenCall({
      policies: source({ bob: { codecs: { strip: ['PCMU'] } } }),
      before: aliceCallsBob,
    });
    // The harness's offer has PCMU alone: nothing left, so refused.
    expect(h.aTx.responses.at(-1)?.status).toBe(488);
    const h2 = await takenCall({
      policies: source({ bob: { codecs: { ptime: 40 } } }),
      before: aliceCallsBob,
    });
    expect(h2.relay.invite.body.toString()).toContain('a=ptime:40');
  });

  it('a never subscriber is left to the proxy', async () => {
    const h = await takenCall({
      mode: 'all',
      policies: source({ alice: { b2bua: 'never' } }),
      before: aliceCallsBob,
    });
    expect(h.taken).toBe(false);
    expect(h.relay.forwarded).toHaveLength(0);
  });
});

describe('recording policies applied', () => {
  class Recorder implements RelayRecorder {
    readonly started: string[] = [];
    readonly stopped: string[] = [];
    async startFromRelay(relay: MediaRelay, request: { callId: string }) {
      await relay.subscribe({ callId: request.callId, siprec: true });
      this.started.push(request.callId);
      return { id: `rec-${this.started.length}` };
    }
    async stop(id: string) {
      this.stopped.push(id);
    }
  }

  it('records a call of a subscriber with a policy once answered; the CDR names the recording', async () => {
    const media = new Relay();
    const recorder = new Recorder();
    const unrecorded: string[] = [];
    const recordings = new CallRecordings({
      recorder,
      relay: media,
      onUnrecorded: (_c, _p, why) => unrecorded.push(why),
    });
    const h = await takenCall({
      mode: 'off',
      media,
      recordings,
      policies: source({ recorded: ['bob@example.com'] }),
      before: aliceCallsBob,
    });
    expect(h.taken).toBe(true);
    h.relay.respond(200, { body: ANSWER });
    await settle();
    h.core.handleAck(callerAck(h), CALLER);
    await settle();
    const call = h.b2bua.list()[0]!;
    expect(recorder.started).toEqual([call.id]);
    expect(media.subscribed).toEqual([call.id]);
    call.hangUp();
    await settle();
    expect(recorder.stopped).toEqual(['rec-1']);
    expect(h.records[0]?.recordingId).toBe('rec-1');
    expect(unrecorded).toEqual([]);
  });

  it('a relay that cannot fork: the call goes on unrecorded, counted and logged, its CDR without recording', async () => {
    const media = new Relay(false);
    const counted: string[] = [];
    const unrecorded: string[] = [];
    const recordings = new CallRecordings({
      recorder: new Recorder(),
      relay: media,
      onUnrecorded: (_c, _p, why) => unrecorded.push(why),
      metrics: { started: () => {}, unrecorded: (reason) => counted.push(reason) },
    });
    const h = await takenCall({
      media,
      recordings,
      policies: source({ recorded: ['alice@example.com'] }),
      before: aliceCallsBob,
    });
    h.relay.respond(200, { body: ANSWER });
    await settle();
    expect(h.aTx.responses.at(-1)?.status).toBe(200);
    h.core.handleAck(callerAck(h), CALLER);
    await settle();
    expect(counted).toEqual(['relay-refused']);
    expect(unrecorded[0]).toContain('does not fork');
    h.b2bua.list()[0]!.hangUp();
    await settle();
    expect(h.records[0]?.recordingId).toBeUndefined();
    expect(h.records[0]?.disposition).toBe('answered');
  });

  it('media not anchored: unrecorded with reason no-relay', async () => {
    const counted: string[] = [];
    const recordings = new CallRecordings({
      recorder: new Recorder(),
      relay: undefined,
      onUnrecorded: () => {},
      metrics: { started: () => {}, unrecorded: (reason) => counted.push(reason) },
    });
    const h = await takenCall({
      recordings,
      policies: source({ recorded: ['alice@example.com'] }),
      before: aliceCallsBob,
    });
    h.relay.respond(200, { body: ANSWER });
    await settle();
    expect(counted).toEqual(['no-relay']);
  });
});
