import type { SipResponse } from '../sip/message/index.js';
import type { ForwardTarget } from '../sip/proxy/index.js';
import type { RoleHandler } from './types.js';

/** What a stage decided about a request. */
export type Decision = Continue | Respond | Forward | Hand;

/** Not this stage's business: the next stage decides. */
export interface Continue {
  readonly kind: 'continue';
}

/** Answer the request with this response. */
export interface Respond {
  readonly kind: 'respond';
  readonly response: SipResponse;
}

/** Relay the request to these targets (RFC 3261 §16.5 target set). */
export interface Forward {
  readonly kind: 'forward';
  readonly targets: ForwardTarget[];
}

/** Give the request to a role of the node, which answers it through the transaction. */
export interface Hand {
  readonly kind: 'hand';
  readonly role: RoleHandler;
}

/** One shared value: continuing allocates nothing. */
export const CONTINUE: Continue = Object.freeze({ kind: 'continue' });

export function respond(response: SipResponse): Respond {
  return { kind: 'respond', response };
}

export function forward(targets: ForwardTarget[]): Forward {
  return { kind: 'forward', targets };
}

export function hand(role: RoleHandler): Hand {
  return { kind: 'hand', role };
}
