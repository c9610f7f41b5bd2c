/** Where a SIP request came from, as the transport saw it (NAT-aware: not what the message claims). */
export interface EventSource {
  protocol: string;
  address: string;
  port: number;
}

export type RegistrationEventType =
  | 'registration.created'
  | 'registration.refreshed'
  | 'registration.removed'
  | 'registration.expired';

/** Why a binding went away (registration.removed). */
export type RemovalReason = 'deregistered' | 'wildcard' | 'replaced' | 'evicted' | 'keepalive';

/** A binding of the location service changed (RFC 3261 §10). */
export interface RegistrationEvent {
  type: RegistrationEventType;
  /** Canonical address-of-record, `sip:user@domain`. */
  aor: string;
  /** The contact URI as registered. */
  contact: string;
  source: EventSource;
  /** Seconds granted (0 for removed/expired). */
  expires: number;
  /** When it happened, ms since the epoch. */
  at: number;
  instanceId?: string;
  userAgent?: string;
  reason?: RemovalReason;
}

export type RecordingEventType = 'recording.started' | 'recording.stopped' | 'recording.failed';

/** A recording started, ended, or failed (its metadata says the same). */
export interface RecordingEvent {
  type: RecordingEventType;
  recordingId: string;
  /** The recorded call's Call-ID. */
  callId: string;
  source: 'media-server' | 'siprec';
  at: number;
  /** Why it stopped: `api`, `bye`, `media-timeout`, `shutdown`... */
  reason?: string;
  /** Why it failed (recording.failed). */
  failure?: string;
}

export type GatewayEventType = 'gateway.down' | 'gateway.up';

/** OPTIONS probing took a gateway out of service, or put it back (src/gateway-health). */
export interface GatewayEvent {
  type: GatewayEventType;
  /** The gateway's id in the store. */
  gateway: string;
  trunk: string;
  uri: string;
  at: number;
  /** The failed probe's status (408 for a timeout made up by the node), when one came. */
  status?: number;
  /** Why the probe failed: `timeout`, or the status line. */
  reason?: string;
}

export type TrunkRegistrationEventType =
  | 'trunk.registered'
  | 'trunk.registration_failed'
  | 'trunk.unregistered';

/** The node's registration at a carrier (outbound registration, src/trunk-registration) changed. */
export interface TrunkRegistrationEvent {
  type: TrunkRegistrationEventType;
  trunk: string;
  /** The carrier's registrar URI. */
  registrar: string;
  at: number;
  /** Seconds the registrar granted (trunk.registered). */
  expires?: number;
  /** The refusing status (trunk.registration_failed). */
  status?: number;
  reason?: string;
}

export type CallEventType = 'call.initiated' | 'call.ringing' | 'call.answered' | 'call.completed';

/** Which side ended a call: the caller (A leg), the callee (B leg), or the node itself. */
export type HangupSide = 'caller' | 'callee' | 'node';

/** A call the B2BUA holds (src/b2bua) reached a step: placed, ringing, answered, ended. */
export interface CallEvent {
  type: CallEventType;
  /** The B2BUA's id of the call (also the CDR's). */
  callId: string;
  /** The caller's Call-ID (A leg). */
  sipCallId: string;
  caller: string;
  callee: string;
  /** The outbound trunk, when the call went out through one. */
  trunk?: string;
  at: number;
  /** call.ringing, call.completed: the SIP status (for completed: the final answer, 200 once answered). */
  status?: number;
  /** call.completed: the Q.850 cause (RFC 3326 Reason). */
  cause?: number;
  /** call.completed: who ended it. */
  hangup?: HangupSide;
  /** call.completed: answered, busy, no-answer, cancelled, failed. */
  disposition?: string;
}

export type EdgeEventType = 'edge.banned' | 'edge.unbanned';

/** The edge banned a source address, or a ban ended (src/edge). */
export interface EdgeEvent {
  type: EdgeEventType;
  address: string;
  /** Why it was banned: flood, scanner, auth (failed authentications) or manual. */
  reason: string;
  at: number;
  /** When the ban ends (edge.banned), ms since the epoch; absent: until lifted. */
  until?: number;
  /** What tripped it, for people (edge.banned). */
  detail?: string;
  /** How it ended (edge.unbanned): expired or lifted. */
  ended?: string;
  /** Packets dropped from the source during the ban (edge.unbanned). */
  dropped?: number;
}

/** Every event a node publishes; later families (`cdr.*`) join this union. */
export type SwitchboardEvent =
  | RegistrationEvent
  | RecordingEvent
  | GatewayEvent
  | TrunkRegistrationEvent
  | CallEvent
  | EdgeEvent;

export type EventType = SwitchboardEvent['type'];

/** An exact type, a family (`registration.*`) or everything (`*`). */
export type EventPattern = EventType | `${string}.*` | '*';

/** The events a pattern matches, narrowed for exact types and families. */
export type EventFor<P extends EventPattern> = P extends EventType
  ? SwitchboardEvent & { type: P }
  : P extends `${infer Family}.*`
    ? FamilyEvents<Family>
    : SwitchboardEvent;

/** The events of a family; every event for a family with none yet (it may come from elsewhere). */
type FamilyEvents<F extends string> = [Extract<SwitchboardEvent, { type: `${F}.${string}` }>] extends [never]
  ? SwitchboardEvent
  : Extract<SwitchboardEvent, { type: `${F}.${string}` }>;

export type Unsubscribe = () => void;

/**
 * The node's event bus. The in-process bus delivers synchronously; a NATS-backed bus implements
 * the same interface asynchronously, so subscribers must not rely on delivery timing.
 */
export interface EventBus {
  publish(event: SwitchboardEvent): void;
  subscribe<P extends EventPattern>(pattern: P, handler: (event: EventFor<P>) => void): Unsubscribe;
  close(): Promise<void>;
}
