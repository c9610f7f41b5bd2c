import type { SipRequest } from '../sip/message/index.js';
import type { ServerTransaction } from '../sip/transaction/index.js';
import type { Target } from '../sip/transport/index.js';
import type { SubscriberRouter } from './subscriber-router.js';

/** Requests addressed to this node itself (no next hop): answered by the node's UA core. */
export interface LocalRequestHandler {
  handleRequest(request: SipRequest, transaction: ServerTransaction): void;
  handleAck(ack: SipRequest, source: Target): void;
  handleCancel(cancel: SipRequest, transaction: ServerTransaction, invite: ServerTransaction): void;
}

export interface ProxyRoleOptions {
  /** Outbound proxy: every request without a Route goes here (`--default-route`). */
  defaultRoute?: string;
  mode: 'stateful' | 'stateless';
  recordRoute: boolean;
  timerC: number;
  t1: number;
  /** Option tags this node supports, for Proxy-Require (RFC 3261 §16.3 step 5). */
  supported?: string[];
  /** Unexpected failures while routing (store unreachable): answered 500 and reported here. */
  onError?: (error: unknown) => void;
}

/** The REGISTER handler of the node (the registrar role). */
export interface RegisterHandler {
  handle(request: SipRequest, transaction: ServerTransaction): void;
}

/** Routing for the served domains: the registrar and the subscriber router. */
export interface SubscriberRouting {
  router: SubscriberRouter;
  registrar: RegisterHandler;
}
