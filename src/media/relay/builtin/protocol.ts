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
}

export interface RelayCounters {
  packets: number;
  bytes: number;
  /** Dropped datagrams by reason: source (not the latched sender), malformed, unrouted (no peer address), send (socket error), srtp (SRTP/SRTCP failing authentication or replayed, RFC 3711 §3.3). */
  dropped: Record<'source' | 'malformed' | 'unrouted' | 'send' | 'srtp', number>;
  endpoints: number;
}

export type WorkerRequest =
  | { op: 'allocate'; count: number }
  | { op: 'configure'; id: number; config: EndpointConfig }
  | { op: 'stats'; ids: number[] }
  | { op: 'release'; ids: number[] }
  | { op: 'counters' }
  | { op: 'close' };

export type WorkerMessage =
  | { kind: 'reply'; seq: number; result?: unknown; error?: string }
  | { kind: 'event'; event: MediaEvent };

export interface WorkerOptions {
  portMin: number;
  portMax: number;
  address: string;
  timeoutMs: number;
  /** How the relay's sockets receive and send (default auto: the native batch module when built). */
  receiver?: ReceiverKind;
}
