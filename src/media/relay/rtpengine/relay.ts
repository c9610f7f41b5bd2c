import type { BencodeInput, NgClient, NgTextDict } from '../../ng/index.js';
import { NgError } from '../../ng/index.js';
import { setSdpDirection } from '../sdp/direction.js';
import { offeredEncodings } from '../sdp/encodings.js';
import type {
  MediaAnswerRequest,
  MediaDeleteRequest,
  MediaEventListener,
  MediaOfferRequest,
  MediaRelay,
  MediaSessionStatistics,
  MediaSubscribeRequest,
  MediaSubscription,
  RelayedSdp,
} from '../types.js';
import { ngCodecOptions } from './codec-flags.js';
import { ngSdesOptions } from './sdes-flags.js';
import { sessionStatistics } from './statistics.js';

export interface RtpengineMediaRelayOptions {
  /** Close the ng client when the relay closes (default true: the relay owns it). */
  ownsClient?: boolean;
}

/** rtpengine 10.5's error-reason for a call it does not know. */
const UNKNOWN_CALL = /unknown call/i;

/**
 * The MediaRelay over rtpengine's ng protocol. rtpengine does the relaying, latching (its default
 * is symmetric: it learns each side's address from its first packets; `latch: false` sends flag
 * `asymmetric`), codec filtering (`codec` dictionary) and statistics (query/delete replies).
 *
 * Events: rtpengine 10.5 reports media timeouts and DTMF only to its own sinks (the b2b XMLRPC
 * callback, Redis, `--dtmf-log-dest`), never over ng, so this backend produces no MediaEvents;
 * `onEvent` accepts listeners that are never called. A caller needing timeouts polls `query`
 * (each stream's `lastPacketAt`).
 */
export class RtpengineMediaRelay implements MediaRelay {
  readonly kind = 'rtpengine';
  private readonly ownsClient: boolean;

  constructor(
    private readonly ng: NgClient,
    options: RtpengineMediaRelayOptions = {},
  ) {
    this.ownsClient = options.ownsClient ?? true;
  }

  async offer(request: MediaOfferRequest): Promise<RelayedSdp> {
    const reply = await this.ng.offer({
      callId: request.callId,
      fromTag: request.fromTag,
      sdp: request.sdp,
      ...this.common(request),
    });
    return { sdp: this.direction(reply.sdp, request) };
  }

  async answer(request: MediaAnswerRequest): Promise<RelayedSdp> {
    const reply = await this.ng.answer({
      callId: request.callId,
      fromTag: request.fromTag,
      toTag: request.toTag,
      sdp: request.sdp,
      ...this.common(request),
    });
    return { sdp: this.direction(reply.sdp, request) };
  }

  /**
   * rtpengine 10.5 (daemon/call.c, call_delete_branch) puts the statistics in its reply to a delete
   * naming a from-tag (those of the tag's monologue and of the ones it receives from), never in its
   * reply to a whole-call delete: a tagged delete is answered in one round trip, a whole-call one is
   * preceded by a query (packets relayed between the two are not counted). A tagged delete of a
   * call's last dialogue ends the whole call (rtpengine destroys a call left with fewer than two tags).
   */
  async delete(request: MediaDeleteRequest): Promise<MediaSessionStatistics | undefined> {
    const tagged = request.fromTag !== undefined;
    const before = tagged ? undefined : await this.query(request.callId);
    if (!tagged && before === undefined) return undefined;
    const params: { callId: string; fromTag?: string; toTag?: string } = { callId: request.callId };
    if (request.fromTag !== undefined) params.fromTag = request.fromTag;
    if (request.toTag !== undefined) params.toTag = request.toTag;
    let reply: NgTextDict;
    try {
      reply = await this.ng.delete(params);
    } catch (error) {
      if (error instanceof NgError && UNKNOWN_CALL.test(error.reason)) return undefined;
      throw error;
    }
    // No tags in the reply: a whole-call delete, or (with `warning`) tags rtpengine did not know.
    return reply['tags'] === undefined ? before : sessionStatistics(request.callId, reply);
  }

  async query(callId: string): Promise<MediaSessionStatistics | undefined> {
    try {
      return sessionStatistics(callId, await this.ng.query({ callId }));
    } catch (error) {
      if (error instanceof NgError && UNKNOWN_CALL.test(error.reason)) return undefined;
      throw error;
    }
  }

  async subscribe(request: MediaSubscribeRequest): Promise<MediaSubscription> {
    const flags = request.fromTags === undefined ? ['all'] : [];
    if (request.siprec) flags.push('siprec');
    const params: { callId: string; flags: string[]; fromTags?: string[] } = {
      callId: request.callId,
      flags,
    };
    if (request.fromTags !== undefined) params.fromTags = request.fromTags;
    const reply = await this.ng.subscribeRequest(params);
    const labels: MediaSubscription['labels'] = {};
    for (const [label, entry] of Object.entries(reply.mediaLabels ?? {})) {
      labels[label] = { tag: entry.tag, index: entry.index };
    }
    return { sdp: reply.sdp, toTag: reply.toTag, labels };
  }

  async subscribeAnswer(request: { callId: string; toTag: string; sdp: string }): Promise<void> {
    await this.ng.subscribeAnswer(request);
  }

  async unsubscribe(request: { callId: string; toTag: string }): Promise<void> {
    await this.ng.unsubscribe(request);
  }

  onEvent(_listener: MediaEventListener): () => void {
    // See the class comment: rtpengine has no ng event channel.
    return () => {};
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.ng.close();
  }

  /** Flags and keys shared by offer and answer. */
  private common(request: MediaOfferRequest): {
    flags: string[];
    replace: string[];
    extra: Record<string, BencodeInput>;
  } {
    const flags: string[] = [];
    if (request.latch === false) flags.push('asymmetric');
    const extra: Record<string, BencodeInput> = {};
    const codec = request.codecs && ngCodecOptions(request.codecs, offeredEncodings(request.sdp));
    if (codec !== undefined) extra['codec'] = codec as Record<string, string[]>;
    if (request.codecs?.ptime !== undefined) extra['ptime'] = request.codecs.ptime;
    if (request.transport !== undefined) extra['transport-protocol'] = request.transport;
    const sdes = ngSdesOptions(request.sdp, request.transport);
    if (sdes !== undefined) extra['SDES'] = sdes;
    if (request.label !== undefined) extra['label'] = request.label;
    // RFC 4566 §5.2/§5.7: the SDP passed on must name the relay's address, in o= and c=.
    return { flags, replace: ['origin', 'session-connection'], extra };
  }

  private direction(sdp: string, request: MediaOfferRequest): string {
    return request.direction === undefined ? sdp : setSdpDirection(sdp, request.direction);
  }
}
