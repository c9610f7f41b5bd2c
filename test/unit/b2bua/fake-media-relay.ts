import type {
  MediaAnswerRequest,
  MediaDeleteRequest,
  MediaOfferRequest,
  MediaRelay,
  MediaSessionStatistics,
} from '../../../src/media/relay/index.js';

/**
 * A media relay that keeps sessions as a real one does (an offer opens one, a delete ends it),
 * rewrites SDP to its own address, and reports the last RTP packet the test sets per session.
 */
export class SessionMediaRelay implements MediaRelay {
  readonly kind = 'fake';
  readonly sessions = new Set<string>();
  readonly offers: MediaOfferRequest[] = [];
  readonly answers: MediaAnswerRequest[] = [];
  readonly deletes: MediaDeleteRequest[] = [];
  queries = 0;
  /** Last RTP packet (ms, the test clock's) of every session; undefined: none yet. */
  lastPacketAt: number | undefined;
  /** Make query fail (an unreachable rtpengine). */
  failQueries = false;
  /** Offers whose SDP contains this are refused as rtpengine refuses garbage. */
  refuse = 'GARBAGE';

  async offer(request: MediaOfferRequest) {
    this.offers.push(request);
    if (request.sdp.includes(this.refuse) || !request.sdp.includes('m=')) throw new Error('bad SDP');
    this.sessions.add(request.callId);
    return { sdp: this.rewrite(request.sdp) };
  }
  async answer(request: MediaAnswerRequest) {
    this.answers.push(request);
    if (!this.sessions.has(request.callId)) throw new Error('unknown call');
    if (request.sdp.includes(this.refuse) || !request.sdp.includes('m=')) throw new Error('bad SDP');
    return { sdp: this.rewrite(request.sdp) };
  }
  async delete(request: MediaDeleteRequest): Promise<MediaSessionStatistics | undefined> {
    this.deletes.push(request);
    if (!this.sessions.delete(request.callId)) return undefined;
    return this.stats(request.callId);
  }
  async query(callId: string): Promise<MediaSessionStatistics | undefined> {
    this.queries++;
    if (this.failQueries) throw new Error('rtpengine did not answer');
    return this.sessions.has(callId) ? this.stats(callId) : undefined;
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

  private stats(callId: string): MediaSessionStatistics {
    const stream = { component: 'rtp' as const, packets: 1, bytes: 160, lost: 0, duplicates: 0, jitterMs: 0 };
    const last = this.lastPacketAt === undefined ? {} : { lastPacketAt: this.lastPacketAt };
    return {
      callId,
      createdAt: 0,
      streams: [
        { ...stream, fromTag: 'alicetag', ...last },
        // RTCP does not keep a call alive.
        { ...stream, component: 'rtcp', fromTag: 'bobtag', lastPacketAt: Number.MAX_SAFE_INTEGER },
      ],
    };
  }

  private rewrite(sdp: string): string {
    return sdp.replace(/198\.51\.100\.7|192\.0\.2\.20/g, '203.0.113.50');
  }
}
