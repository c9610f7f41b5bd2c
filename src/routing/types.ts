import type { RequestAuthenticator, SubscriberAuth } from '../authentication/index.js';
import type { Outbound } from '../edge/outbound/index.js';
import type { LocationService } from '../location/index.js';
import type { SipRequest } from '../sip/message/index.js';
import type { ServerTransaction } from '../sip/transaction/index.js';
import type { Target } from '../sip/transport/index.js';
import type { CallFeatureRepository } from '../store/index.js';
import type { ProvisioningStore } from '../store/types.js';
import type { TrunkTablesView } from '../trunks/index.js';
import type { BranchOutcomes } from './branch-outcomes.js';
import type { NatOptions } from './stages/nat.js';
import type { TrunkDialer } from './trunk-dialer.js';

/** A role a request can be handed to: the registrar, the node's UA core, a future B2BUA. */
export interface RoleHandler {
  handle(request: SipRequest, transaction: ServerTransaction): void;
}

/** Requests addressed to this node itself (no next hop): answered by the node's UA core. */
export interface LocalRequestHandler extends RoleHandler {
  handleAck(ack: SipRequest, source: Target): void;
  /** Whether the node's UA core holds the dialog this request belongs to (B2BUA legs). */
  hasDialog?(request: SipRequest): boolean;
  handleCancel(cancel: SipRequest, transaction: ServerTransaction, invite: ServerTransaction): void;
}

export interface RoutingOptions {
  /** Outbound proxy: every request without a Route goes here (`--default-route`). */
  defaultRoute?: string;
  mode: 'stateful' | 'stateless';
  recordRoute: boolean;
  timerC: number;
  t1: number;
  /** NAT traversal (nat.*): detection, contact aliasing, SDP repair; none when absent. */
  nat?: NatOptions;
  /** RFC 5626 flow tokens: Record-Route clients' flows, route in-dialog requests back over them. */
  outbound?: Outbound;
  /** Option tags this node supports, for Proxy-Require (RFC 3261 §16.3 item 5). */
  supported?: string[];
  /** Unexpected failures while routing (store unreachable): answered 500 and reported here. */
  onError?: (error: unknown) => void;
}

/** What routing for the served domains needs: their names, the digest check, users, bindings. */
export interface SubscriberServices {
  /**
   * Whether this platform serves a domain (cached: every request asks); `cached` gives a fresh
   * cached answer at once, so stages decide without waiting when they can.
   */
  domains: { has(domain: string): Promise<boolean>; cached?(domain: string): boolean | undefined };
  auth: SubscriberAuth;
  store: Pick<ProvisioningStore, 'resolveUser'>;
  location: Pick<LocationService, 'lookup'>;
  registrar: RoleHandler;
  /** Call features and numbering plans: without them the feature stages are left out. */
  features?: Pick<CallFeatureRepository, 'effectiveFeatures' | 'getDomainFeatures'>;
}

/** What trunk routing needs: the tables in memory, the dialer, digest checks of trunks. */
export interface TrunkServices {
  tables: { readonly current: TrunkTablesView };
  dialer: TrunkDialer;
  /** Reports each trunk branch's own final status to failover (wraps the proxy core's stack). */
  outcomes: BranchOutcomes;
  /** The node's digest authenticator, for trunks that authenticate with credentials. */
  authenticator: RequestAuthenticator;
  /** The realm trunks are challenged in (`trunks.realm`). */
  realm: string;
  /** The names a request's TLS connection proved with a verified client certificate (RFC 5922 §7.1). */
  peerNames?: (source: Target) => readonly string[];
}
