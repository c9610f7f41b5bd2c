import {
  detach,
  MAGIC_COOKIE,
  SipParseError,
  type SipRequest,
  type SipResponse,
  type Via,
} from '../message/index.js';
import type { Target } from '../transport/types.js';
import { systemClock } from './clock.js';
import { CompletedServers } from './completed-servers.js';
import type { TransactionContext } from './context.js';
import { InviteClientTransaction } from './invite-client.js';
import { InviteServerTransaction } from './invite-server.js';
import { clientKey, isLegacyKey, legacyAckMatches, serverKey } from './matching.js';
import { NonInviteClientTransaction } from './non-invite-client.js';
import { NonInviteServerTransaction } from './non-invite-server.js';
import { stampReceived } from './stamp-received.js';
import { TimerQueues } from './timer-queues.js';
import {
  type ClientTransaction,
  type ClientTransactionHandlers,
  defaultTimers,
  type ServerTransaction,
  type TransactionLayerHandlers,
  type TransactionLayerOptions,
  type TransactionStats,
} from './types.js';

type ClientTx = InviteClientTransaction | NonInviteClientTransaction;
type ServerTx = InviteServerTransaction | NonInviteServerTransaction;

/** A resent final response of a completed record: nothing is left to end if it fails. */
const IGNORE_FAILURE = { sendFailed: () => {} };

function reportToConsole(error: unknown): void {
  console.error('sip transaction layer: a handler threw', error);
}

/**
 * The transaction layer of RFC 3261 §17 with RFC 6026: matches what the transport delivers to
 * client and server transactions, creates server transactions for new requests, runs their timers,
 * and hands the transaction user only what it must see.
 */
export class TransactionLayer {
  private readonly clients = new Map<string, ClientTx>();
  private readonly servers = new Map<string, ServerTx>();
  private readonly completed: CompletedServers;
  private readonly ctx: TransactionContext;
  private readonly handlers: TransactionLayerHandlers;
  private readonly sendTrying: boolean;
  private readonly reportError: (error: unknown) => void;
  private clientInvite = 0;
  private clientNonInvite = 0;
  private serverInvite = 0;
  private serverNonInvite = 0;
  private dropped = 0;
  private closed = false;

  constructor(options: TransactionLayerOptions) {
    this.handlers = options.handlers;
    this.sendTrying = options.sendTrying ?? true;
    this.reportError = options.handlers.onError ?? reportToConsole;
    const clock = options.clock ?? systemClock;
    const timers = { ...defaultTimers, ...options.timers };
    this.completed = new CompletedServers(clock, () => 64 * timers.t1);
    this.ctx = {
      send: options.send,
      clock,
      timers,
      released: (tx) => this.released(tx),
      queues: new TimerQueues(clock),
      absorbRetransmissions: (id, response, target) => this.completed.add(id, response, target),
      handlerError: this.reportError,
    };
  }

  /**
   * Take one message from the transport. Never throws for malformed input: a message lacking what
   * matching needs (Via, CSeq, From/To/Call-ID for RFC 2543 requests) is dropped and counted.
   */
  receive(message: SipRequest | SipResponse, source: Target): void {
    if (this.closed) return;
    try {
      if (message.isRequest) this.receiveRequest(message, source);
      else this.receiveResponse(message, source);
    } catch (error) {
      if (!(error instanceof SipParseError)) throw error;
      this.dropped++;
    }
  }

  /**
   * Start a client transaction. The request must carry its top Via with an RFC 3261 branch (the
   * key of the transaction); ACK never has one (§17.1.1.3: ACK for 2xx is sent by the TU directly).
   */
  sendRequest(request: SipRequest, target: Target, handlers: ClientTransactionHandlers): ClientTransaction {
    if (this.closed) throw new Error('transaction layer is closed');
    const method = request.method;
    if (method === 'ACK') throw new Error('ACK does not create a client transaction; send it directly');
    const branch = request.topVia?.branch;
    if (branch === undefined || !branch.startsWith(MAGIC_COOKIE)) {
      throw new Error(`request needs a top Via with a branch starting with ${MAGIC_COOKIE}`);
    }
    const key = clientKey(branch, method);
    if (this.clients.has(key)) throw new Error(`a client transaction with branch ${branch} is running`);
    let tx: ClientTx;
    if (method === 'INVITE') {
      tx = new InviteClientTransaction(key, this.ctx, request, target, handlers);
      this.clientInvite++;
    } else {
      tx = new NonInviteClientTransaction(key, this.ctx, request, target, handlers);
      this.clientNonInvite++;
    }
    this.clients.set(key, tx);
    tx.start();
    return tx;
  }

  /** Live transactions by side and kind, completed ones waiting out Timer J, and dropped messages. */
  stats(): TransactionStats {
    return {
      client: { invite: this.clientInvite, nonInvite: this.clientNonInvite },
      server: { invite: this.serverInvite, nonInvite: this.serverNonInvite },
      completedServers: this.completed.size,
      dropped: this.dropped,
    };
  }

  /** Terminate every transaction with 'shutdown' and stop all timers; the layer then ignores input. */
  close(): void {
    this.closed = true;
    for (const tx of [...this.clients.values()]) tx.shutdown();
    for (const tx of [...this.servers.values()]) tx.shutdown();
    this.ctx.queues.close();
    this.completed.close();
  }

  private receiveRequest(request: SipRequest, source: Target): void {
    // §18.2.1 and RFC 3581 before matching, so the key and the response target see the stamped Via.
    const via = stampReceived(request, source);
    if (via === undefined) throw new SipParseError('missing Via header');
    const method = request.method;
    if (method === 'ACK') {
      this.receiveAck(request, via, source);
      return;
    }
    const key = serverKey(request, via, method);
    const existing = this.servers.get(key);
    if (existing !== undefined) {
      existing.receiveRetransmission();
      return;
    }
    const completed = this.completed.get(key);
    if (completed !== undefined) {
      // §17.2.2: a retransmission in Completed gets the final response again.
      this.ctx.send(completed.response, completed.target, IGNORE_FAILURE);
      return;
    }
    if (method === 'CANCEL' && this.handlers.onCancel !== undefined) {
      const cancelTx = this.createServer(key, request, via, source);
      // §9.2: the INVITE is found by the transaction matching rules with the method changed.
      const invite = this.servers.get(serverKey(request, via, 'INVITE'));
      const target = invite?.isInvite ? invite : undefined;
      try {
        this.handlers.onCancel(request, cancelTx, target);
      } catch (error) {
        this.reportError(error);
      }
      return;
    }
    if (this.handlers.admit !== undefined && !this.handlers.admit(request, source)) return;
    const tx = this.createServer(key, request, via, source);
    try {
      this.handlers.onRequest(request, tx);
    } catch (error) {
      this.reportError(error);
    }
  }

  private receiveAck(ack: SipRequest, via: Via, source: Target): void {
    const key = serverKey(ack, via, 'INVITE');
    const tx = this.servers.get(key);
    if (tx?.isInvite && (!isLegacyKey(key) || legacyAckMatches(ack, tx.lastResponse)) && tx.receiveAck()) {
      return; // §17.2.1: the ACK for a non-2xx final belongs to the transaction
    }
    if (this.handlers.onAck === undefined) return;
    try {
      this.handlers.onAck(ack, source);
    } catch (error) {
      this.reportError(error);
    }
  }

  private receiveResponse(response: SipResponse, source: Target): void {
    const branch = response.topVia?.branch;
    const tx = branch === undefined ? undefined : this.clients.get(clientKey(branch, response.cseq.method));
    if (tx !== undefined) {
      tx.receiveResponse(response);
      return;
    }
    if (this.handlers.onStrayResponse === undefined) return;
    try {
      this.handlers.onStrayResponse(response, source);
    } catch (error) {
      this.reportError(error);
    }
  }

  private createServer(key: string, request: SipRequest, via: Via, source: Target): ServerTransaction {
    if (request.method === 'INVITE') {
      // The key is cut from the INVITE's Via: detached, it does not keep the INVITE through the
      // 32 s of Timer L, after the transaction let the request go (RFC 6026 §7.1).
      const id = detach(key);
      const tx = new InviteServerTransaction(id, this.ctx, request, via, source);
      this.servers.set(id, tx);
      this.serverInvite++;
      tx.start(request, this.sendTrying);
      return tx;
    }
    const tx = new NonInviteServerTransaction(key, this.ctx, request, via, source);
    this.servers.set(key, tx);
    this.serverNonInvite++;
    return tx;
  }

  private released(tx: {
    readonly id: string;
    readonly isClient: boolean;
    readonly isInvite: boolean;
  }): void {
    if (tx.isClient) {
      if (this.clients.get(tx.id) === tx) this.clients.delete(tx.id);
      if (tx.isInvite) this.clientInvite--;
      else this.clientNonInvite--;
    } else {
      if (this.servers.get(tx.id) === tx) this.servers.delete(tx.id);
      if (tx.isInvite) this.serverInvite--;
      else this.serverNonInvite--;
    }
  }
}
