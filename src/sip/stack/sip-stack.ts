import { isIP } from 'node:net';
import { SipParseError } from '../message/errors.js';
import { type SipMessage, SipRequest, type SipResponse } from '../message/message.js';
import { createResponse } from '../message/response-factory.js';
import { SipUri, type Uri, uriEquals } from '../message/uri.js';
import { MessageParseError, parseMessage } from '../parser/parse-message.js';
import { checkRequest, checkResponse } from '../parser/sanity.js';
import type {
  ClientTransaction,
  ClientTransactionHandlers,
  Clock,
  SendOutcome,
  ServerTransaction,
  TimerSettings,
} from '../transaction/index.js';
import { responseTarget, stampReceived, TransactionLayer } from '../transaction/index.js';
import type { TransportLayer } from '../transport/index.js';
import type {
  Endpoint,
  InboundPacket,
  Target,
  TransportDrop,
  TransportProtocol,
} from '../transport/types.js';
import type { OverloadControl, PacketFilter } from './admission.js';
import { newCounters, type StackCounters } from './counters.js';
import { hostForUri, isWildcard, primaryAddress } from './local-address.js';
import { resolveTarget } from './resolve-target.js';

/** What a role (proxy, UA core) is given by the stack. */
export interface StackHandlers {
  onRequest(request: SipRequest, transaction: ServerTransaction): void;
  /** ACKs that match no server transaction (ACKs for 2xx). */
  onAck(ack: SipRequest, source: Target): void;
  onCancel(
    cancel: SipRequest,
    cancelTransaction: ServerTransaction,
    invite: ServerTransaction | undefined,
  ): void;
  /** Responses that match no client transaction (2xx retransmissions, stateless proxying). */
  onStrayResponse(response: SipResponse, source: Target): void;
  /** Offered every request before the transaction layer; true means it was handled statelessly. */
  beforeTransaction?(request: SipRequest, source: Target): boolean;
}

export interface StackLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SipStackOptions {
  transports: TransportLayer;
  timers?: Partial<TimerSettings>;
  clock?: Clock;
  /** Address written into Via/Record-Route/Contact when listening on a wildcard address. */
  advertisedAddress?: string;
  /** Extra host names this element answers for (its domains). */
  domains?: string[];
  logger?: StackLogger;
  /** Replaces RFC 3263 resolution (tests keep every destination on loopback with it). */
  resolve?: (uri: Uri) => Target | Promise<Target>;
  /** Offered every packet before parsing; what it refuses is dropped unanswered (bans, floods). */
  packetFilter?: PacketFilter;
  /** Asked before each new out-of-dialog request gets a server transaction (503 when saturated). */
  overload?: OverloadControl;
}

/**
 * The address and port this element writes into its own Via, Record-Route and Contact headers.
 * Read-only: sentBy hands the same object out while its answer stays the same.
 */
export interface SentBy {
  readonly transport: string;
  readonly host: string;
  readonly port: number;
}

/** One sentBy answer and what it was worked out from: the endpoint and the address written. */
interface SentByMemo {
  readonly local: Endpoint;
  readonly port: number;
  readonly address: string;
  readonly sentBy: SentBy;
}

/**
 * The SIP stack of one node: turns packets into messages, refuses what is malformed with the
 * right response (or drops and counts it), runs the transaction layer, and gives roles a narrow
 * interface to send requests and responses. Nothing thrown by a handler escapes it.
 */
export class SipStack {
  readonly counters: StackCounters = newCounters();
  readonly transactions: TransactionLayer;
  private handlers: StackHandlers | undefined;
  private readonly localHosts = new Set<string>();
  /** sentBy's last answer per protocol, IPv4 then IPv6: asked for every forwarded request. */
  private readonly sentByMemo = new Map<
    TransportProtocol,
    [SentByMemo | undefined, SentByMemo | undefined]
  >();

  constructor(private readonly options: SipStackOptions) {
    this.transactions = new TransactionLayer({
      send: (message, target, outcome, onSent) => this.sendForTransaction(message, target, outcome, onSent),
      clock: options.clock,
      timers: options.timers,
      // Each calls the role inside its own try: no closure per message for a shared guard.
      handlers: {
        onRequest: (request, tx) => {
          try {
            this.handlers?.onRequest(request, tx);
          } catch (e) {
            this.handlerFailed(e);
          }
        },
        onAck: (ack, source) => {
          try {
            this.handlers?.onAck(ack, source);
          } catch (e) {
            this.handlerFailed(e);
          }
        },
        onCancel: (cancel, tx, invite) => {
          try {
            this.handlers?.onCancel(cancel, tx, invite);
          } catch (e) {
            this.handlerFailed(e);
          }
        },
        onStrayResponse: (response, source) => {
          try {
            this.handlers?.onStrayResponse(response, source);
          } catch (e) {
            this.handlerFailed(e);
          }
        },
        ...(options.overload ? { admit: (request, source) => this.admit(request, source) } : {}),
      },
    });
    for (const domain of options.domains ?? []) this.localHosts.add(domain.toLowerCase());
  }

  /** Attach the role that handles what the stack receives. */
  attach(handlers: StackHandlers): void {
    this.handlers = handlers;
  }

  /** Called by the node for every packet the transports deliver. */
  receivePacket(packet: InboundPacket): void {
    if (this.options.packetFilter && !this.options.packetFilter.admit(packet)) {
      this.counters.packetsFiltered++;
      return;
    }
    // A literal, not a spread of packet.source: one object shape for every packet, where the
    // spread took V8's slow define path on the node's receive path (~10 µs per call in perf).
    const from = packet.source;
    const source: Target = {
      protocol: from.protocol,
      address: from.address,
      port: from.port,
      connectionId: packet.connectionId,
    };
    let message: SipRequest | SipResponse;
    try {
      // RFC 7118 §5: a WebSocket message is one whole SIP message, like a datagram.
      message = parseMessage(packet.data, { stream: isByteStream(packet.source.protocol) });
    } catch (e) {
      this.refuseUnparsable(e, source);
      return;
    }
    try {
      if (message instanceof SipRequest) this.receiveRequest(message, source);
      else this.receiveResponse(message, source);
    } catch (e) {
      this.counters.handlerErrors++;
      this.options.logger?.error({ err: e }, 'error while handling a SIP message');
    }
  }

  /** Called by the node for what a transport refused (oversize datagrams, framing errors). */
  receiveDrop(drop: TransportDrop): void {
    this.counters.messagesDropped++;
    if (drop.reason !== 'oversize' || !drop.head) return;
    // RFC 3261 §18.1.1 / §21.5.14: answer an oversize request with 513 when its headers are readable.
    let request: SipRequest | undefined;
    try {
      const parsed = parseMessage(drop.head);
      if (parsed instanceof SipRequest) request = parsed;
    } catch (e) {
      if (e instanceof MessageParseError && e.partial instanceof SipRequest) request = e.partial;
    }
    if (request && request.method !== 'ACK' && request.has('via')) {
      this.counters.requestsRefused++;
      this.respondStateless(request, 513, { ...drop.source, connectionId: drop.connectionId });
    }
  }

  private refuseUnparsable(error: unknown, source: Target): void {
    if (
      error instanceof MessageParseError &&
      error.partial instanceof SipRequest &&
      error.partial.method !== 'ACK'
    ) {
      if (error.partial.has('via') && error.partial.has('cseq')) {
        this.counters.requestsRefused++;
        this.respondStateless(error.partial, error.status, source, `Bad Request (${error.message})`);
        return;
      }
    }
    this.counters.messagesDropped++;
  }

  private receiveRequest(request: SipRequest, source: Target): void {
    this.counters.requestsReceived++;
    const failure = checkRequest(request);
    if (failure) {
      this.counters.requestsRefused++;
      if (request.method !== 'ACK')
        this.respondStateless(request, failure.status, source, failure.reason, failure.headers);
      return;
    }
    if (source.connectionId !== undefined && isByteStream(source.protocol)) this.noteAlias(request, source);
    if (this.handlers?.beforeTransaction) {
      // The stateless path skips the transaction layer, which would stamp the Via itself.
      stampReceived(request, source);
      if (this.handlers.beforeTransaction(request, source)) return;
    }
    this.transactions.receive(request, source);
  }

  /**
   * RFC 5923 §5: a Via `;alias` asks that requests for its sent-by reuse the connection the
   * request came on. Only IP literals: a name would need resolving to match a destination.
   */
  private noteAlias(request: SipRequest, source: Target): void {
    const via = request.topVia;
    if (!via?.params.has('alias') || isIP(via.hostname) === 0 || source.connectionId === undefined) return;
    const port = via.port ?? (source.protocol === 'tls' ? 5061 : 5060);
    this.options.transports.alias(source.protocol, source.connectionId, via.hostname, port);
  }

  /**
   * RFC 3261 §21.5.4: a saturated node answers new requests 503 with Retry-After. Requests inside a
   * dialog (BYE above all) finish work already taken, and ACK and CANCEL never come here.
   */
  private admit(request: SipRequest, source: Target): boolean {
    if (request.to.tag !== undefined) return true;
    const { server } = this.transactions.stats();
    const retryAfter = this.options.overload?.retryAfter({
      serverTransactions: server.invite + server.nonInvite,
    });
    if (retryAfter === undefined) return true;
    this.counters.requestsOverloaded++;
    this.respondStateless(request, 503, source, undefined, [['Retry-After', String(retryAfter)]]);
    return false;
  }

  private receiveResponse(response: SipResponse, source: Target): void {
    this.counters.responsesReceived++;
    if (checkResponse(response)) {
      this.counters.responsesDropped++;
      return;
    }
    this.transactions.receive(response, source);
  }

  /** Answer a request without a transaction (malformed requests, stateless proxying). */
  respondStateless(
    request: SipRequest,
    status: number,
    source: Target,
    reason?: string,
    headers: Array<[string, string]> = [],
  ): void {
    const response = createResponse(request, status, reason);
    for (const [name, value] of headers) response.append(name, value);
    let target: Target = source;
    try {
      target = responseTarget(request, source);
    } catch {
      // A Via we cannot read: answer to where the request came from.
    }
    this.sendStateless(response, target).catch(() => {});
  }

  /** Serialize and send one message; failures are counted and reported through the promise. */
  sendStateless(message: SipMessage, target: Target): Promise<void> {
    if (isUnusableDestination(target.address)) {
      this.counters.messagesDropped++;
      return Promise.reject(new Error(`refusing to send to ${target.address}`));
    }
    return this.options.transports
      .send(message.toBuffer(), target, target.connectionId)
      .catch(this.countTransportError);
  }

  /** One function for every stateless send's failure, not a closure per message. */
  private readonly countTransportError = (e: Error): never => {
    this.counters.transportErrors++;
    throw e;
  };

  /** sendStateless for the transaction layer: the outcome goes to the transaction, no promise of ours. */
  private sendForTransaction(
    message: SipMessage,
    target: Target,
    outcome: SendOutcome,
    onSent: (() => void) | undefined,
  ): void {
    if (isUnusableDestination(target.address)) {
      this.counters.messagesDropped++;
      const refused = new Error(`refusing to send to ${target.address}`);
      queueMicrotask(() => outcome.sendFailed(refused));
      return;
    }
    this.options.transports.send(message.toBuffer(), target, target.connectionId).then(onSent, (e: Error) => {
      this.counters.transportErrors++;
      outcome.sendFailed(e);
    });
  }

  sendRequest(request: SipRequest, target: Target, handlers: ClientTransactionHandlers): ClientTransaction {
    return this.transactions.sendRequest(request, target, handlers);
  }

  /** RFC 3263: an IP literal's target at once, a name's once DNS answers (see resolveTarget). */
  resolve(uri: Uri): Target | Promise<Target> {
    return (this.options.resolve ?? resolveTarget)(uri);
  }

  /** Whether a flow can still carry a request: its connection open (UDP: a transport for it). */
  flowAlive(flow: Target): boolean {
    return this.options.transports.flowAlive(flow);
  }

  /** The listening endpoints, with their real ports once bound. */
  listening(): Endpoint[] {
    return this.options.transports.transports.map((t) => t.local);
  }

  /** Our sent-by for a protocol and address family (RFC 3261 §18.1.1: the address we listen on). */
  sentBy(protocol: TransportProtocol, ipv6 = false): SentBy {
    // Loops over the transports rather than listening(): this runs for every forwarded request.
    const transports = this.options.transports.transports;
    let local: Endpoint | undefined;
    let sameProtocol: Endpoint | undefined;
    for (const t of transports) {
      if (t.local.protocol !== protocol) continue;
      if (t.local.address.includes(':') === ipv6) {
        local = t.local;
        break;
      }
      sameProtocol ??= t.local;
    }
    local ??= sameProtocol ?? transports[0]?.local;
    if (!local) throw new Error('the SIP stack has no transport');
    let address = local.address;
    if (isWildcard(address)) address = this.options.advertisedAddress ?? primaryAddress(ipv6 ? 6 : 4);
    // The same answer as last time is the same object: no strings or object built per request.
    let memos = this.sentByMemo.get(protocol);
    if (memos === undefined) this.sentByMemo.set(protocol, (memos = [undefined, undefined]));
    const family = ipv6 ? 1 : 0;
    const memo = memos[family];
    if (memo !== undefined && memo.local === local && memo.port === local.port && memo.address === address)
      return memo.sentBy;
    const sentBy: SentBy = { transport: protocol.toUpperCase(), host: hostForUri(address), port: local.port };
    memos[family] = { local, port: local.port, address, sentBy };
    return sentBy;
  }

  /** UA core view of sentBy (UaTransport). */
  via(protocol: TransportProtocol = 'udp'): SentBy {
    return this.sentBy(protocol);
  }

  /** Where this element is reachable, for Contact headers. */
  localContact(protocol: TransportProtocol = 'udp'): SipUri {
    const { host, port } = this.sentBy(protocol);
    const uri = new SipUri('sip', host, port);
    if (protocol !== 'udp') uri.params.set('transport', protocol);
    return uri;
  }

  /** Whether a URI names this element: one of its addresses (and ports), or one of its domains. */
  isLocalUri(uri: Uri): boolean {
    if (uri.kind !== 'sip') return false;
    const host = uri.hostname;
    if (this.localHosts.has(host)) return true;
    for (const t of this.options.transports.transports) {
      const e = t.local;
      const port = uri.port ?? (uri.scheme === 'sips' ? 5061 : 5060);
      if (port !== e.port) continue;
      if (e.address === host) return true;
      if (isWildcard(e.address) && (host === this.options.advertisedAddress || isLoopbackOrOwn(host)))
        return true;
    }
    return false;
  }

  /** Whether two URIs are the same (RFC 3261 §19.1.4). */
  sameUri(a: Uri, b: Uri): boolean {
    return uriEquals(a, b);
  }

  async close(): Promise<void> {
    this.transactions.close();
  }

  private handlerFailed(e: unknown): void {
    this.counters.handlerErrors++;
    if (e instanceof SipParseError)
      this.options.logger?.debug({ err: e.message }, 'malformed header in a request');
    else this.options.logger?.error({ err: e }, 'SIP handler failed');
  }
}

/** TCP and TLS carry a byte stream framed by Content-Length; WebSocket carries whole messages. */
function isByteStream(protocol: TransportProtocol): boolean {
  return protocol === 'tcp' || protocol === 'tls';
}

/**
 * RFC 4475 §3.3.10: never send to a broadcast or multicast address given in a message, nor to the
 * unspecified address. IPv6: ff00::/8 (RFC 4291 §2.7), `::`, and the IPv4 ones mapped (::ffff:a.b.c.d).
 */
function isUnusableDestination(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return isUnusableIPv4(address, 0);
  if (family !== 6) return false;
  if (address === '::') return true;
  // A multicast address's first group is ff followed by two hex digits (ff::1 is 00ff::1, unicast).
  const c0 = address.charCodeAt(0) | 0x20;
  const c1 = address.charCodeAt(1) | 0x20;
  if (c0 === 0x66 && c1 === 0x66 && address.charCodeAt(4) === 0x3a) return true;
  const dot = address.lastIndexOf('.');
  if (dot < 0) return false;
  const start = address.lastIndexOf(':', dot) + 1;
  return address.slice(0, start).toLowerCase() === '::ffff:' && isUnusableIPv4(address, start);
}

/** An IPv4 address (from `start` in `address`) that is multicast, broadcast or unspecified. */
function isUnusableIPv4(address: string, start: number): boolean {
  const v4 = start === 0 ? address : address.slice(start);
  if (v4 === '255.255.255.255' || v4 === '0.0.0.0') return true;
  // The first octet's digits read in place: this runs for every message sent.
  let first = 0;
  for (let i = start; i < address.length && address.charCodeAt(i) !== 0x2e; i++)
    first = first * 10 + address.charCodeAt(i) - 0x30;
  return first >= 224 && first <= 239;
}

function isLoopbackOrOwn(host: string): boolean {
  if (host === '127.0.0.1' || host === '::1' || host === 'localhost') return true;
  return host === primaryAddress(4) || host === primaryAddress(6);
}
