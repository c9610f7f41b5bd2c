import type { Dialog, DialogFlow } from '../dialog/index.js';
import type { SipMessage, SipRequest, SipResponse, SipUri, Uri } from '../message/index.js';
import type {
  ClientTransaction,
  ClientTransactionHandlers,
  ServerTransaction,
} from '../transaction/types.js';
import type { Target, TransportProtocol } from '../transport/types.js';

/** The sent-by of a Via this node writes: transport token (UDP, TCP, TLS, WS, WSS), host, port. */
export interface ViaAddress {
  transport: string;
  host: string;
  port: number;
}

/**
 * What the UA core needs from the SIP stack below it. The stack (transaction layer, transports,
 * RFC 3263 resolver) implements it; tests use a fake.
 */
export interface UaTransport {
  /** Send a request through a new client transaction (RFC 3261 §17.1). */
  sendRequest(request: SipRequest, target: Target, handlers: ClientTransactionHandlers): ClientTransaction;
  /** Send a message outside any transaction: ACK for 2xx (§13.2.2.4), 2xx retransmissions. */
  sendStateless(message: SipMessage, target: Target): Promise<void>;
  /** Resolve a next-hop URI to a transport target (RFC 3263). Rejects when it cannot be resolved. */
  resolve(uri: Uri): Target | Promise<Target>;
  /** The URI this node is reachable at, for Contact headers (per transport when given). */
  localContact(protocol?: TransportProtocol): SipUri;
  /** The sent-by to write in a Via for requests leaving over this transport (§18.1.1). */
  via(protocol?: TransportProtocol): ViaAddress;
  /** Whether a flow's connection is still open (RFC 5626 §5.3); without it flows count as open. */
  flowAlive?(flow: Target): boolean;
}

/** Timers for the UA core's own retransmissions (2xx, §13.3.1.4); replaceable in tests. */
export interface UaTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: UaTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Handles an out-of-dialog request of one method; it must respond through the transaction. */
export type RequestHandler = (request: SipRequest, transaction: ServerTransaction) => void;

/** Receives an error the UA core caught instead of letting it escape (docs/architecture.md, Errors). */
export type ErrorSink = (error: unknown, context: string) => void;

export interface UserAgentOptions {
  transport: UaTransport;
  timers?: UaTimers;
  /** RFC 3261 T1 and T2 in ms (§17.1.1.1); the 2xx retransmission uses them (§13.3.1.4). */
  t1?: number;
  t2?: number;
  /** Option tags we support (Supported header; Require checks, §8.2.2.3). */
  supported?: string[];
  /** Value of the User-Agent header on requests we originate. */
  userAgent?: string;
  onError?: ErrorSink;
}

/**
 * Callbacks for one outgoing request (`UserAgentCore.sendRequest`). `flow` is the connection a
 * response came back over when the request was sent on a chosen one (a registered client's, RFC
 * 5626): a dialog it forms keeps it (dialog-flow.ts).
 */
export interface ResponseCallbacks {
  /** Every 1xx. */
  onProvisional?(response: SipResponse, flow?: Target): void;
  /**
   * The final response, exactly once. Synthetic 408 on timeout (§8.1.3.1), 503 on transport or
   * resolution failure (§8.1.3.1) and 430 when a dialog's only flow is gone (RFC 5626 §5.3) are
   * reported here too.
   */
  onFinal?(response: SipResponse, flow?: Target): void;
  /** INVITE only: each 2xx after the first final (other forks, retransmissions; §13.2.2.4). */
  onLate2xx?(response: SipResponse, flow?: Target): void;
}

export interface SendOptions {
  /** Skip resolution and send here (CANCEL goes where its INVITE went, §9.1). */
  target?: Target;
  /** The URI to resolve, when not the request's own next hop (in-dialog, strict routing). */
  nextHop?: Uri;
  /** In-dialog: send over the dialog's flow while it is open, instead of resolving (`Dialog.flowHop`). */
  flow?: DialogFlow;
}

/** Whoever handles the requests of one dialog (an INVITE session, a subscription...). */
export interface DialogUsage {
  /** An in-dialog request other than ACK, already checked against the dialog's CSeq (§12.2.2). */
  onRequest(request: SipRequest, transaction: ServerTransaction, dialog: Dialog): void;
  /** An ACK for a 2xx, matched to the dialog (§13.3.1.4). */
  onAck(ack: SipRequest, dialog: Dialog): void;
}
