/**
 * What crosses between the signalling thread and a relay worker (structured-clone plain data).
 * An endpoint is one side's port pair for one m= section: packets that side sends arrive on it,
 * and packets for that side leave from it (symmetric RTP).
 */
import type { SrtpSuite } from '../../srtp/index.js';
import type { ReceiverKind } from '../../udp/index.js';
import type { MediaEvent } from '../types.js';
import type { Address } from './latching.js';

export interface EndpointConfig {
  callId: string;
  fromTag: string;
  label?: string;
  /** The endpoint whose side receives what arrives here. */
  peer?: number;
  /** From this side's SDP. */
  rtp?: Address;
  rtcp?: Address;
  latch: boolean;
  clockRates: Record<number, number>;
  eventPayloads: number[];
  /** This side speaks SRTP (RFC 3711, SDES keys): decrypt what arrives, encrypt what goes to it. */
  srtp?: EndpointSrtp;
  /** This side is WebRTC: ICE-lite, DTLS-SRTP (keys from the handshake, not SDP), rtcp-mux. */
  webrtc?: EndpointWebRtc;
  /**
   * Recorders this side's media is forked to (MediaRelay.subscribe): what it sends, once accepted
   * and decrypted, also goes as plain RTP/RTCP from the fork endpoint's sockets to the recorder.
   */
  forks?: EndpointFork[];
}

/** One recorder stream fed from an endpoint. */
export interface EndpointFork {
  /** The endpoint whose sockets send the copies (the port the subscription SDP announced). */
  endpoint: number;
  /** The recorder's ports for this stream, from its answer. */
  rtp: Address;
  rtcp?: Address;
}

/** A WebRTC side's ICE credentials and DTLS peer, from the SDP exchanged with it. */
export interface EndpointWebRtc {
  /** Ours (a=ice-ufrag/a=ice-pwd in the SDP we sent it). */
  iceUfrag: string;
  icePwd: string;
  /** Its a=ice-ufrag, when its SDP came. */
  remoteUfrag?: string;
  /** Its a=fingerprint (`sha-256 AB:...`): its DTLS certificate must match (RFC 5763 §5). */
  remoteFingerprint?: string;
  /** No valid check for this long: consent lost (RFC 7675 §5.1), nothing more is sent. */
  consentMs: number;
}

/** A WebRTC side's transport state. */
export interface WebRtcStats {
  dtls: 'new' | 'connected' | 'failed';
  /** A valid ICE check came within the consent timeout. */
  consent: boolean;
  /** The address ICE chose, `ip:port`. */
  selected?: string;
  /** STUN refused: bad credentials or integrity (answered 400/401), malformed or no fingerprint. */
  stunRefused: number;
  /** DTLS dropped: not from the ICE-chosen address, garbage, or a failed handshake. */
  dtlsDropped: number;
}

/** Master key and salt per direction; a missing one means that direction's packets are dropped (keys not agreed yet). */
export interface EndpointSrtp {
  suite: SrtpSuite;
  /** The side's key: what it sends is authenticated and decrypted with it. */
  receive?: { key: Uint8Array; salt: Uint8Array };
  /** The relay's key for this side: what is sent to it is encrypted with it. */
  send?: { key: Uint8Array; salt: Uint8Array };
}

export interface ComponentStats {
  packets: number;
  bytes: number;
  /** Packets dropped: from a source other than the latched one, or malformed. */
  dropped: number;
  latchedTo?: string;
  lastPacketAt?: number;
}

export interface EndpointStats {
  id: number;
  callId: string;
  fromTag: string;
  label?: string;
  rtp: ComponentStats & { lost: number; expected: number; duplicates: number; jitterMs: number };
  rtcp: ComponentStats;
  /** SRTP/SRTCP packets from this side dropped: bad auth tag, replayed, or undecodable / no keys yet. */
  srtp?: { authFailures: number; replays: number; malformed: number };
  /** Relay ↔ this side round trip (RFC 3550 §6.4.1, from its RR answering an SR relayed to it). */
  rttMs?: number;
  /** From this side's RTCP XR VoIP metrics (RFC 3611 §4.7) when it sends them. */
  reportedMos?: number;
  webrtc?: WebRtcStats;
}

export type DropReason = 'source' | 'malformed' | 'unrouted' | 'send' | 'srtp' | 'stun' | 'dtls' | 'consent';

export const DROP_REASONS: readonly DropReason[] = [
  'source',
  'malformed',
  'unrouted',
  'send',
  'srtp',
  'stun',
  'dtls',
  'consent',
];

export interface RelayCounters {
  packets: number;
  bytes: number;
  /** Dropped datagrams by reason: source (not the latched sender), malformed, unrouted (no peer address), send (socket error), srtp (SRTP/SRTCP failing authentication or replayed, RFC 3711 §3.3), stun (ICE checks without valid credentials, RFC 8445 §7.3), dtls (DTLS garbage or not from the ICE-chosen address), consent (towards a WebRTC side without ICE consent, RFC 7675). */
  dropped: Record<DropReason, number>;
  /** Packets copied to recorders (MediaRelay.subscribe). */
  forked: number;
  endpoints: number;
  /** Sockets (RTP and RTCP) bound without the DSCP of media.dscp: the system refused it, or node:dgram. */
  unmarked: number;
}

export type WorkerRequest =
  | { op: 'allocate'; count: number }
  | { op: 'configure'; id: number; config: EndpointConfig }
  | { op: 'stats'; ids: number[] }
  | { op: 'release'; ids: number[] }
  | { op: 'counters' }
  /** The node's DTLS certificate, for WebRTC sides (made once on the signalling thread). */
  | { op: 'certificate'; certPem: string; keyPem: string }
  | { op: 'close' };

export type WorkerMessage =
  | { kind: 'reply'; seq: number; result?: unknown; error?: string }
  | { kind: 'event'; event: MediaEvent }
  /** Something the node should log (once): the relay works on regardless. */
  | { kind: 'warning'; message: string };

export interface WorkerOptions {
  portMin: number;
  portMax: number;
  address: string;
  timeoutMs: number;
  /** How the relay's sockets receive and send (default auto: the native batch module when built). */
  receiver?: ReceiverKind;
  /** DSCP of the relayed packets (media.dscp); 0 or absent: unmarked. */
  dscp?: number;
}
