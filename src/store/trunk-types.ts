/**
 * Trunks (peering with carriers), their gateways, and least-cost routes. A trunk is one carrier
 * or peer: how its calls to us are recognised (inbound), how we send calls to it (outbound: a
 * group of gateways, number manipulation, failover), and how we register to it (outbound
 * registration). A route sends numbers with a prefix to a trunk, at a price, in time bands.
 */

/** How a trunk's gateways are ordered for a call (Kamailio dispatcher's algorithms). */
export type DispatchAlgorithm = 'priority' | 'round-robin' | 'weighted' | 'hash-call-id' | 'fewest-calls';

export const DISPATCH_ALGORITHMS: readonly DispatchAlgorithm[] = [
  'priority',
  'round-robin',
  'weighted',
  'hash-call-id',
  'fewest-calls',
];

export type GatewayTransport = 'udp' | 'tcp' | 'tls';

/**
 * Registration of the node to the carrier (RFC 3261 §10), for carriers that send inbound calls
 * only to a registered contact. Stored here; the registering client uses it.
 */
export interface TrunkRegistration {
  /** The carrier's registrar, `sip:registrar.carrier.example`. */
  registrar: string;
  username: string;
  /** Kept as given: the carrier's realm is learned from its challenge, so no HA1 can be stored. */
  password: string;
  /** The realm to answer; absent: whatever realm the registrar challenges with. */
  realm?: string;
  /** The registration interval asked for, in seconds. */
  expires: number;
}

export interface Trunk {
  /** The trunk's name, its key: `carrier-a`. */
  name: string;
  description?: string;
  /** A disabled trunk neither takes inbound calls nor is routed to. */
  enabled: boolean;

  /** Inbound: source addresses whose requests are this trunk's (`203.0.113.0/24`, `2001:db8::1`). */
  inboundCidrs: string[];
  /** Inbound: digest credentials the carrier answers our 407 with (instead of or with CIDRs). */
  inboundUsername?: string;
  /** Kept as given: the realm of the challenge is the node's, chosen at run time. */
  inboundPassword?: string;
  /** Inbound number manipulation before the DID lookup: strip this many leading digits... */
  inboundStrip: number;
  /** ...then put this in front (`+1` for a carrier that sends national numbers). */
  inboundPrefix: string;

  /** Outbound: how the gateways are ordered for a call. */
  dispatch: DispatchAlgorithm;
  /** Outbound number manipulation of the Request-URI user: strip this many leading digits... */
  stripDigits: number;
  /** ...then put this in front (a tech prefix, `00` for international). */
  prefix: string;
  /** Outbound caller ID: the From user part sent to this trunk; absent: the caller's own. */
  callerId?: string;
  /** ms without any response from a gateway before the next one is tried (fr_timer); absent: node default. */
  noReplyTimeout?: number;
  /** ms without a final response (ringing too long) before giving up on a gateway (fr_inv_timer). */
  noAnswerTimeout?: number;
  /** Final responses that fail over to the next gateway/route: `408`, `503`, `5xx`; absent: node default. */
  failoverCodes?: string[];
  /** Codec preference for this trunk, most preferred first (`PCMU`, `PCMA`, `G722`, `opus`), for the B2BUA. */
  codecs: string[];

  /** Outbound registration to the carrier, when it wants one. */
  registration?: TrunkRegistration;

  /**
   * TLS to its gateways: the client certificate (PEM text or an absolute path) presented when the
   * node opens a TLS connection to one; absent: the node's own (tls.certificate).
   */
  tlsCertificate?: string;
  /** The private key of tlsCertificate (PEM text, never shown: ***; or an absolute path). */
  tlsKey?: string;
  /** CA certificates (PEM or path) its gateways' certificates are verified with; absent: tls.ca / system roots. */
  tlsCa?: string;
  /**
   * Inbound: a request on a TLS connection whose verified client certificate names this host
   * (subjectAltName DNS or URI, else CN; RFC 5922 §7.1) is this trunk's.
   */
  inboundTlsName?: string;
  createdAt: Date;
}

/** What `addTrunk` takes: the name, and any field of Trunk (defaults: no inbound, priority dispatch). */
export interface NewTrunk {
  name: string;
  description?: string;
  enabled?: boolean;
  inboundCidrs?: readonly string[];
  inboundUsername?: string;
  inboundPassword?: string;
  inboundStrip?: number;
  inboundPrefix?: string;
  dispatch?: string;
  stripDigits?: number;
  prefix?: string;
  callerId?: string;
  noReplyTimeout?: number;
  noAnswerTimeout?: number;
  failoverCodes?: readonly string[];
  codecs?: readonly string[];
  registration?: NewTrunkRegistration;
  tlsCertificate?: string;
  tlsKey?: string;
  tlsCa?: string;
  inboundTlsName?: string;
}

export interface NewTrunkRegistration {
  registrar: string;
  username: string;
  password: string;
  realm?: string;
  expires?: number;
}

/** What `updateTrunk` changes: a field left out stays; null clears an optional one. */
export interface TrunkChanges {
  description?: string | null;
  enabled?: boolean;
  inboundCidrs?: readonly string[];
  inboundUsername?: string | null;
  inboundPassword?: string | null;
  inboundStrip?: number;
  inboundPrefix?: string;
  dispatch?: string;
  stripDigits?: number;
  prefix?: string;
  callerId?: string | null;
  noReplyTimeout?: number | null;
  noAnswerTimeout?: number | null;
  failoverCodes?: readonly string[] | null;
  codecs?: readonly string[];
  registration?: NewTrunkRegistration | null;
  tlsCertificate?: string | null;
  tlsKey?: string | null;
  tlsCa?: string | null;
  inboundTlsName?: string | null;
}

/** One SIP server of a trunk (Kamailio dispatcher's destination). */
export interface Gateway {
  /** Its key: given, or made when added (`gw-3f9a1c20`). Gateway health is reported by this id. */
  id: string;
  trunk: string;
  /** Where requests go: `sip:203.0.113.5:5060` (no user part: the number is the Request-URI's). */
  uri: string;
  transport: GatewayTransport;
  /** Lower first, for the `priority` algorithm. */
  priority: number;
  /** Share of calls for the `weighted` algorithm; 0: only when the others failed. */
  weight: number;
  /** Whether the node probes it with OPTIONS and skips it while it does not answer. */
  probe: boolean;
  enabled: boolean;
  createdAt: Date;
}

export interface NewGateway {
  id?: string;
  trunk: string;
  uri: string;
  /** Default: the URI's transport parameter, else TLS for sips:, else UDP. */
  transport?: string;
  priority?: number;
  weight?: number;
  probe?: boolean;
  enabled?: boolean;
}

export interface GatewayChanges {
  uri?: string;
  transport?: string;
  priority?: number;
  weight?: number;
  probe?: boolean;
  enabled?: boolean;
}

/** A least-cost route: numbers starting with `prefix` may go to `trunk`, at `price`, in `timeBands`. */
export interface LcrRoute {
  /** Its key: given, or made when added (`rt-8c1d02e4a7b95f31`). */
  id: string;
  /** Digits the dialled number (without '+') starts with; '' matches every number. */
  prefix: string;
  trunk: string;
  /** Lower first among the routes of the same prefix. */
  priority: number;
  /** Price per minute, for the operator and for ordering equal priorities (cheaper first). */
  price?: number;
  /**
   * When the route applies (`mon-fri 08:00-18:00`, `sat,sun 00:00-24:00`, `daily 22:00-06:00`),
   * in the node's routing time zone; empty: always.
   */
  timeBands: string[];
  enabled: boolean;
  description?: string;
  createdAt: Date;
}

export interface NewRoute {
  id?: string;
  prefix: string;
  trunk: string;
  priority?: number;
  price?: number;
  timeBands?: readonly string[];
  enabled?: boolean;
  description?: string;
}

export interface RouteChanges {
  priority?: number;
  price?: number | null;
  timeBands?: readonly string[];
  enabled?: boolean;
  description?: string | null;
}

export interface RouteFilter {
  trunk?: string;
  /** Routes whose prefix starts with this. */
  prefix?: string;
}

/** Everything routing needs, read in one transaction: what the node's in-memory tables are built from. */
export interface RoutingSnapshot {
  /** Bumped by every write to trunks, gateways or routes (to know when to reload). */
  revision: number;
  trunks: Trunk[];
  gateways: Gateway[];
  routes: LcrRoute[];
}

/** Trunks, gateways and routes, on either SQL backend (`store.trunks`). */
export interface TrunkRepository {
  addTrunk(trunk: NewTrunk): Promise<Trunk>;
  /** Refuses (NotFoundError) when the trunk does not exist. */
  updateTrunk(name: string, changes: TrunkChanges): Promise<Trunk>;
  getTrunk(name: string): Promise<Trunk | undefined>;
  listTrunks(): Promise<Trunk[]>;
  /** Removes its gateways too; refuses (ConflictError) while routes use it, unless `cascade`. */
  removeTrunk(name: string, options?: { cascade?: boolean }): Promise<boolean>;

  addGateway(gateway: NewGateway): Promise<Gateway>;
  updateGateway(id: string, changes: GatewayChanges): Promise<Gateway>;
  getGateway(id: string): Promise<Gateway | undefined>;
  listGateways(trunk?: string): Promise<Gateway[]>;
  removeGateway(id: string): Promise<boolean>;

  addRoute(route: NewRoute): Promise<LcrRoute>;
  updateRoute(id: string, changes: RouteChanges): Promise<LcrRoute>;
  getRoute(id: string): Promise<LcrRoute | undefined>;
  listRoutes(filter?: RouteFilter): Promise<LcrRoute[]>;
  removeRoute(id: string): Promise<boolean>;
  /** Many routes in one transaction (all or none), for bulk loads of rate decks. */
  importRoutes(routes: readonly NewRoute[]): Promise<number>;

  /** The current revision: cheap, polled to notice writes made by another process (the CLI). */
  routingRevision(): Promise<number>;
  /** Trunks, gateways and routes as one consistent snapshot. */
  loadRouting(): Promise<RoutingSnapshot>;
}
