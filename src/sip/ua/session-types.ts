import type { Dialog } from '../dialog/index.js';
import type { SipRequest } from '../message/index.js';
import type { IncomingRequest } from './incoming-request.js';

/** Why an INVITE session ended. */
export type SessionEndCause =
  | 'local-bye'
  | 'remote-bye'
  | 'cancelled'
  | 'rejected'
  /** No ACK for our 2xx within 64·T1; we sent BYE (RFC 3261 §13.3.1.4). */
  | 'ack-timeout'
  /** A request in the dialog got 481 or 408 (§12.2.1.2). */
  | 'dialog-gone'
  /** No PRACK for our reliable provisional within 64·T1; we answered 5xx (RFC 3262 §3). */
  | 'prack-timeout';

export type SessionState = 'initial' | 'early' | 'accepted' | 'confirmed' | 'terminated';

export interface ResponseOptions {
  body?: Buffer | string;
  /** Defaults to application/sdp when a body is given. */
  contentType?: string;
  reason?: string;
  headers?: Array<[string, string]>;
}

/** A provisional response; `reliable` sends it per RFC 3262 (Require: 100rel, RSeq, until PRACK). */
export interface ProgressOptions extends ResponseOptions {
  reliable?: boolean;
}

export interface RequestOptions {
  body?: Buffer | string;
  /** Defaults to application/sdp when a body is given. */
  contentType?: string;
  headers?: Array<[string, string]>;
}

/**
 * Events of an INVITE session, both roles. In-dialog requests come as `IncomingRequest`s the
 * listener must answer; with no listener the session answers by itself (see InviteSession).
 */
export interface InviteSessionEvents {
  /** The dialog is confirmed: 2xx received (UAC) or ACK received (UAS). */
  confirmed: [dialog: Dialog];
  /** An ACK for a 2xx we sent (initial INVITE or re-INVITE); carries the answer to a 2xx offer. */
  ack: [ack: SipRequest];
  reinvite: [incoming: IncomingRequest];
  update: [incoming: IncomingRequest];
  info: [incoming: IncomingRequest];
  /**
   * A PRACK that acknowledges our reliable provisional (RFC 3262 §3; one matching none got 481).
   * With no listener it is answered 200.
   */
  prack: [incoming: IncomingRequest];
  /** Any other in-dialog request (REFER, NOTIFY, MESSAGE, OPTIONS...). */
  request: [incoming: IncomingRequest];
  /** The peer sent BYE (answered 200 already). */
  bye: [request: SipRequest];
  terminated: [cause: SessionEndCause];
}
