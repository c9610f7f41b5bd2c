import {
  type CodecPolicy,
  isHold,
  type MediaRelay,
  type MediaSessionStatistics,
} from '../media/relay/index.js';
import type { TakenCall } from '../routing/index.js';
import type { SrtpChoice } from '../store/index.js';
import { checkCodecsLeft, filterSdpCodecs } from './call-codecs.js';
import { legTransport } from './leg-transport.js';
import { SdpOrigin } from './sdp-origin.js';

/** Codec policy of the SDP each side receives. */
export interface CallCodecs {
  toCallee?: CodecPolicy;
  toCaller?: CodecPolicy;
}

/** Without a call plan: the outbound trunk's codec preference for the SDP the callee receives. */
export function trunkCodecOrder(taken: TakenCall): CallCodecs {
  const trunk = taken.context.trunkCall?.trunk;
  return trunk && trunk.codecs.length > 0 ? { toCallee: { order: trunk.codecs } } : {};
}

/**
 * The SDP of one leg made into the SDP for the other: through the media relay (anchored media,
 * the relay's addresses, the receiving side's codec policy), or with only the codec policy applied
 * when the node has no relay (a signalling-only B2BUA). One relay session per call, keyed by the
 * call's id and the legs' tags. An offer the codec policy leaves no audio codec in is refused
 * (NoCommonCodecError: 488).
 */
export class CallMedia {
  private usedRelay = false;
  /** The tags the relay knows this call's sides by, in the order it first heard them. */
  private readonly tags = new Set<string>();
  /** Offers made through the relay, and whether the latest put the call on hold (media timeout). */
  offers = 0;
  held = false;
  /** The node's SDP origin toward each leg (topology hiding: not the other side's o= line). */
  private readonly origins = { caller: new SdpOrigin(), callee: new SdpOrigin() };

  constructor(
    private readonly relay: MediaRelay | undefined,
    private readonly callId: string,
    /** Codec policy for the SDP each side receives (call policies, the trunk's codec preference). */
    private readonly codecs: CallCodecs,
    /** The callee side's SRTP preference (its call policy's `srtp`); absent: plain RTP/AVP. */
    private readonly calleeSrtp?: SrtpChoice,
  ) {}

  /** Whether the relay holds a session of this call (an offer went through it). */
  get used(): boolean {
    return this.usedRelay;
  }

  /** The m= profile of the caller's first offer: what the caller leg speaks (WebRTC or not). */
  private callerProfile: string | undefined;

  get anchored(): boolean {
    return this.relay !== undefined;
  }

  /** An offer from one leg (`fromTag`): the SDP for the other. */
  async offer(sdp: Buffer, fromTag: string, toCallee: boolean, label: string): Promise<Buffer> {
    const codecs = toCallee ? this.codecs.toCallee : this.codecs.toCaller;
    const text = sdp.toString('utf8');
    if (codecs) checkCodecsLeft(text, codecs);
    if (!this.relay) return codecs ? Buffer.from(filterSdpCodecs(text, codecs), 'utf8') : sdp;
    this.usedRelay = true;
    this.tags.add(fromTag);
    this.offers++;
    this.held = isHold(text);
    const profile = /^m=\S+ \d+(?:\/\d+)? (\S+)/m.exec(text)?.[1];
    if (toCallee && this.callerProfile === undefined && profile !== undefined) this.callerProfile = profile;
    const transport = legTransport(toCallee, this.callerProfile, this.calleeSrtp);
    const relayed = await this.relay.offer({
      callId: this.callId,
      fromTag,
      sdp: text,
      label,
      ...(codecs ? { codecs } : {}),
      ...(transport === undefined ? {} : { transport }),
    });
    return Buffer.from(this.origins[toCallee ? 'callee' : 'caller'].stamp(relayed.sdp), 'utf8');
  }

  /** The answer of `answerTag` to the offer of `offerTag`: the SDP for the offerer. */
  async answer(sdp: Buffer, offerTag: string, answerTag: string, label: string): Promise<Buffer> {
    if (!this.relay) return sdp;
    this.usedRelay = true;
    this.tags.add(offerTag).add(answerTag);
    const relayed = await this.relay.answer({
      callId: this.callId,
      fromTag: offerTag,
      toTag: answerTag,
      sdp: sdp.toString('utf8'),
      label,
    });
    // `label` names the answering side: the SDP goes to the other.
    return Buffer.from(this.origins[label === 'callee' ? 'caller' : 'callee'].stamp(relayed.sdp), 'utf8');
  }

  /** The relay's current statistics of the call (undefined: it has no such session). */
  query(): Promise<MediaSessionStatistics | undefined> {
    if (!this.relay || !this.usedRelay) return Promise.resolve(undefined);
    return this.relay.query(this.callId);
  }

  /**
   * Ends the relay session; its last statistics (for the CDR), or undefined. Never rejects. A
   * session of one dialogue is deleted by its two tags, which rtpengine answers with the statistics
   * in one round trip; any other (forked early dialogues, one side only) as a whole.
   */
  async end(): Promise<MediaSessionStatistics | undefined> {
    if (!this.relay || !this.usedRelay) return undefined;
    const [fromTag, toTag] = this.tags;
    const dialogue = this.tags.size === 2 && fromTag !== undefined && toTag !== undefined;
    try {
      return await this.relay.delete(
        dialogue ? { callId: this.callId, fromTag, toTag } : { callId: this.callId },
      );
    } catch {
      return undefined;
    }
  }
}
