import {
  createResponse,
  parseUri,
  type SipMessage,
  type SipRequest,
  type SipResponse,
  type SipUri,
  type Uri,
} from '../../../src/sip/message/index.js';
import { parseMessage } from '../../../src/sip/parser/index.js';
import type {
  ClientTransaction,
  ClientTransactionHandlers,
  ClientTransactionState,
  ServerTransaction,
  ServerTransactionState,
  TerminationReason,
} from '../../../src/sip/transaction/types.js';
import type { Target, TransportProtocol } from '../../../src/sip/transport/types.js';
import type { UaTimers, UaTransport, ViaAddress } from '../../../src/sip/ua/index.js';

/** Parse a small SIP text written with \n line ends (the body after an empty line). */
export function sip<T extends SipRequest | SipResponse = SipRequest>(text: string): T {
  const normalized = text.replace(/^\n/, '').replace(/\r?\n/g, '\r\n');
  return parseMessage(Buffer.from(normalized, 'latin1')) as T;
}

export function request(text: string): SipRequest {
  return sip<SipRequest>(text);
}

/** A response to a request we sent, as a peer would build it. */
export function answer(
  req: SipRequest,
  status: number,
  options: { toTag?: string; contact?: string; recordRoutes?: string[]; body?: string } = {},
): SipResponse {
  const res = createResponse(req, status, undefined, options.toTag);
  for (const rr of options.recordRoutes ?? []) res.append('record-route', rr);
  if (options.contact) res.append('contact', options.contact);
  if (options.body) res.setBody(Buffer.from(options.body), 'application/sdp');
  // Round-trip through the parser: what the UA gets off the wire.
  return sip<SipResponse>(res.toString());
}

export class FakeServerTransaction implements ServerTransaction {
  readonly id = 'st';
  readonly isInvite: boolean;
  state: ServerTransactionState = 'proceeding';
  lastResponse: SipResponse | undefined;
  readonly responses: SipResponse[] = [];
  private listeners: Array<(reason: TerminationReason, transaction: ServerTransaction) => void> = [];

  constructor(
    readonly request: SipRequest,
    readonly source: Target = { protocol: 'udp', address: '192.0.2.10', port: 5060 },
  ) {
    this.isInvite = request.method === 'INVITE';
  }

  respond(response: SipResponse): boolean {
    if (this.state === 'terminated') return false;
    if (this.state === 'completed') return false;
    if (this.state === 'accepted' && response.status >= 300) return false;
    this.responses.push(response);
    this.lastResponse = response;
    if (response.status >= 200) {
      this.state = this.isInvite && response.status < 300 ? 'accepted' : 'completed';
    }
    return true;
  }

  onTerminated(listener: (reason: TerminationReason, transaction: ServerTransaction) => void): void {
    this.listeners.push(listener);
  }

  terminate(reason: TerminationReason = 'normal'): void {
    this.state = 'terminated';
    for (const l of this.listeners) l(reason, this);
  }

  get statuses(): number[] {
    return this.responses.map((r) => r.status);
  }
}

export class FakeClientTransaction implements ClientTransaction {
  readonly id = 'ct';
  readonly isInvite: boolean;
  state: ClientTransactionState = 'calling';
  lastStatus = 0;

  constructor(
    readonly request: SipRequest,
    readonly target: Target,
    readonly handlers: ClientTransactionHandlers,
  ) {
    this.isInvite = request.method === 'INVITE';
  }

  /** Deliver a response from the peer (parsed from its text form). */
  receive(response: SipResponse): void {
    this.lastStatus = Math.max(this.lastStatus, response.status);
    this.handlers.onResponse(response, this);
  }

  onTerminated(): void {}

  abandon(): void {
    this.state = 'terminated';
  }
}

export interface SentStateless {
  message: SipMessage;
  target: Target;
}

/** Resolves `sip:host[:port]` to udp host:port; records everything sent. */
export class FakeTransport implements UaTransport {
  readonly transactions: FakeClientTransaction[] = [];
  readonly stateless: SentStateless[] = [];
  readonly resolved: Uri[] = [];
  failResolve = false;
  protocol: TransportProtocol = 'udp';
  /** Connections that have closed (flowAlive answers false for them). */
  readonly closedConnections = new Set<string>();

  sendRequest(req: SipRequest, target: Target, handlers: ClientTransactionHandlers): ClientTransaction {
    // Serialize and parse again, as the peer would see it.
    const tx = new FakeClientTransaction(sip(req.toString()), target, handlers);
    this.transactions.push(tx);
    return tx;
  }

  async sendStateless(message: SipMessage, target: Target): Promise<void> {
    this.stateless.push({ message, target });
  }

  async resolve(uri: Uri): Promise<Target> {
    this.resolved.push(uri);
    if (this.failResolve || uri.kind !== 'sip') throw new Error('unresolvable');
    return { protocol: this.protocol, address: uri.hostname, port: uri.port ?? 5060 };
  }

  flowAlive(flow: Target): boolean {
    return flow.connectionId === undefined || !this.closedConnections.has(flow.connectionId);
  }

  localContact(protocol?: TransportProtocol): SipUri {
    const uri = parseUri(
      `sip:sb@203.0.113.1:5060${protocol && protocol !== 'udp' ? `;transport=${protocol}` : ''}`,
    );
    return uri as SipUri;
  }

  via(protocol: TransportProtocol = 'udp'): ViaAddress {
    return { transport: protocol.toUpperCase(), host: '203.0.113.1', port: 5060 };
  }

  /** The requests sent through transactions, by method. */
  sent(method: string): FakeClientTransaction[] {
    return this.transactions.filter((t) => t.request.method === method);
  }

  /** ACKs and other stateless requests. */
  statelessRequests(method: string): Array<{ request: SipRequest; target: Target }> {
    return this.stateless
      .filter((s) => s.message.isRequest && (s.message as SipRequest).method === method)
      .map((s) => ({ request: s.message as SipRequest, target: s.target }));
  }
}

/** A clock whose time only moves when the test says so. */
export class FakeClock implements UaTimers {
  now = 0;
  private nextId = 1;
  private timers = new Map<number, { at: number; callback: () => void }>();

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.now + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Move time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let next: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.timers)
        if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.now = next[1].at;
      next[1].callback();
    }
    this.now = end;
  }

  get pending(): number {
    return this.timers.size;
  }
}

/** Let queued promise callbacks (resolution, sends) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
