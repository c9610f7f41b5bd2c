/**
 * The media-relay interface: what a signalling role (the B2BUA, the recorder) asks of whatever
 * carries a call's RTP. Two backends implement it: rtpengine over ng, and the node's built-in relay.
 * The shape follows rtpengine's ng protocol (offer, answer, delete, query, subscribe), keyed by
 * Call-ID and the tags of the two sides, so a call can move between backends without the B2BUA
 * knowing which one it talks to.
 */

/** How the SDP handed to one side should carry media. */
export type MediaTransportProfile = 'RTP/AVP' | 'RTP/SAVP' | 'UDP/TLS/RTP/SAVPF';

/** Codec policy for the SDP one side receives (per trunk or subscriber). */
export interface CodecPolicy {
  /** Only these encodings (e.g. `PCMU`, `PCMA`, `opus`), case-insensitive; telephone-event is always kept. */
  allow?: string[];
  /** Remove these encodings. */
  strip?: string[];
  /** Put these first, in this order; the rest keep their order after them. */
  order?: string[];
  /** Preferred packetisation time in ms (a=ptime). */
  ptime?: number;
}

interface SessionKey {
  /** The call this media belongs to (the B2BUA's own key, not necessarily a SIP Call-ID on the wire). */
  callId: string;
}

export interface MediaOfferRequest extends SessionKey {
  /** The tag of the side that made the offer. */
  fromTag: string;
  /** The offer as that side sent it. */
  sdp: string;
  /** How the other side gets media (default: as offered). */
  transport?: MediaTransportProfile;
  /** Codec policy applied to the SDP passed on. */
  codecs?: CodecPolicy;
  /** The offerer's media address is to be learnt from its first packets (symmetric latching); default true. */
  latch?: boolean;
  /** Make the other side's SDP sendonly/inactive for hold; default: as offered. */
  direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  /** Opaque label kept with the leg (e.g. `caller`, `callee`), reported back in statistics. */
  label?: string;
}

export interface MediaAnswerRequest extends MediaOfferRequest {
  /** The tag of the side that answered. */
  toTag: string;
}

/** The SDP to pass on to the other side, pointing at the relay. */
export interface RelayedSdp {
  sdp: string;
}

export interface MediaDeleteRequest extends SessionKey {
  /**
   * Delete the side of `fromTag` (with `toTag`: the dialogue of the two) rather than the whole
   * session; a session left with no dialogue goes whole. Without tags the whole session goes.
   */
  fromTag?: string;
  toTag?: string;
}

/** Receive statistics of one stream as the relay measured it (RFC 3550, RTCP, E-model). */
export interface MediaStreamStatistics {
  /** The tag of the side that sent this stream. */
  fromTag: string;
  label?: string;
  /** RTP or RTCP. */
  component: 'rtp' | 'rtcp';
  packets: number;
  bytes: number;
  /** Packets lost as RFC 3550 §A.3 counts them. */
  lost: number;
  duplicates: number;
  /** Interarrival jitter in milliseconds (RFC 3550 §A.8). */
  jitterMs: number;
  /** Round-trip time in ms from RTCP SR/RR (RFC 3550 §6.4.1), when known. */
  rttMs?: number;
  /** Mean opinion score 1–4.5 (ITU-T G.107 simplified), when computable. */
  mos?: number;
  /** The MOS the sender itself reported in RTCP XR VoIP metrics (RFC 3611 §4.7), when it does. */
  reportedMos?: number;
  /** Datagrams the relay dropped on this stream (not from the latched source, or malformed). */
  dropped?: number;
  /** SRTP/SRTCP from this side the relay refused (RFC 3711 §3.3), when the side speaks SRTP (built-in relay). */
  srtp?: { authFailures: number; replays: number; malformed: number };
  /** A WebRTC side's transport (built-in relay): DTLS state, ICE consent and chosen address, refusals. */
  webrtc?: {
    dtls: 'new' | 'connected' | 'failed';
    consent: boolean;
    selected?: string;
    stunRefused: number;
    dtlsDropped: number;
  };
  /** The address the relay latched to, `ip:port`. */
  latchedTo?: string;
  /** Milliseconds since the epoch of the last packet received. */
  lastPacketAt?: number;
}

export interface MediaSessionStatistics {
  callId: string;
  /** Milliseconds since the epoch the relay created the session. */
  createdAt: number;
  streams: MediaStreamStatistics[];
}

export interface MediaSubscribeRequest extends SessionKey {
  /** The sides whose sent media to fork; all when absent. */
  fromTags?: string[];
  /** Label each stream with a=label as SIPREC (RFC 7866) needs. */
  siprec?: boolean;
}

export interface MediaSubscription {
  /** sendonly SDP, one m= per forked stream, to offer to the recorder. */
  sdp: string;
  /** The subscription's own tag: pass it to subscribeAnswer/unsubscribe. */
  toTag: string;
  /** a=label → which side (tag) and m= index (1-based) it carries. */
  labels: Record<string, { tag: string; index: number }>;
}

export type MediaEvent =
  /** No RTP from either side for the configured time (default 60 s). */
  | { type: 'media.timeout'; callId: string; at: number; idleMs: number }
  /** An RFC 4733 telephone-event ended (its end bit seen). */
  | { type: 'media.dtmf'; callId: string; fromTag: string; at: number; digit: string; durationMs: number }
  /** The relay's source for a side changed (latching or re-latching). */
  | { type: 'media.latched'; callId: string; fromTag: string; at: number; address: string }
  /** A WebRTC side sent no valid ICE check for the consent timeout (RFC 7675 §5.1): nothing more is sent to it. */
  | { type: 'media.consent-lost'; callId: string; fromTag: string; at: number };

export type MediaEventListener = (event: MediaEvent) => void;

/** What signalling roles use to carry a call's media; implemented by each backend. */
export interface MediaRelay {
  /** Which backend this is, for logs and metrics (`builtin`, `rtpengine`). */
  readonly kind: string;
  /** An offer from one side: the relay allocates ports and returns the SDP for the other side. */
  offer(request: MediaOfferRequest): Promise<RelayedSdp>;
  /** The answer from the other side: returns the SDP for the offerer. */
  answer(request: MediaAnswerRequest): Promise<RelayedSdp>;
  /** Ends a session (or one side of it) and returns its final statistics, undefined if unknown. */
  delete(request: MediaDeleteRequest): Promise<MediaSessionStatistics | undefined>;
  /** Current statistics of a session, undefined if unknown. */
  query(callId: string): Promise<MediaSessionStatistics | undefined>;
  /** Forks a session's media to a recorder (rtpengine's subscribe request). */
  subscribe(request: MediaSubscribeRequest): Promise<MediaSubscription>;
  /** The recorder's answer to a subscription's SDP. */
  subscribeAnswer(request: SessionKey & { toTag: string; sdp: string }): Promise<void>;
  unsubscribe(request: SessionKey & { toTag: string }): Promise<void>;
  /** Media events (timeouts, DTMF, latching); returns a function that removes the listener. */
  onEvent(listener: MediaEventListener): () => void;
  /** Stops relaying everything and frees the ports. */
  close(): Promise<void>;
}
