import type { SipRequest, SipResponse } from '../message/message.js';
import { createResponse } from '../message/response-factory.js';
import type { Uri } from '../message/uri.js';
import { createCancel } from '../transaction/hop-requests.js';
import type { Ticket, TimerQueue } from '../transaction/timer-queue.js';
import type {
  ClientTransaction,
  ClientTransactionHandlers,
  ServerTransaction,
  TerminationReason,
} from '../transaction/types.js';
import type { Target } from '../transport/types.js';
import { aggregateChallenges, chooseBestResponse } from './best-response.js';
import { nextHopUri, prepareCopy } from './forward-request.js';
import { NOT_ARMED, ProxyTimers, proxyClock } from './proxy-timers.js';
import type { ForwardTarget, ProxyEvents, ProxyOptions, ProxyStack, Retarget } from './types.js';

/** Rounds of new branches after all failed: failure handling must not forward forever. */
const MAX_FAILURE_ROUNDS = 10;

/** A CANCEL's own responses end nothing: the INVITE's final response does (RFC 3261 §9.1). */
const IGNORE_RESPONSES: ClientTransactionHandlers = { onResponse: () => {} };

/** What a branch's handlers call in the proxy core while the response context lives. */
interface BranchEvents<State> {
  response(context: ResponseContext<State>, branch: Branch<State>, response: SipResponse): void;
  failed(context: ResponseContext<State>, branch: Branch<State>, status: number): void;
}

/**
 * One branch (RFC 3261 §16.6–16.8): what forking, CANCEL, Timer C and the best-response choice
 * read. The copy sent and where it went are its transaction's.
 */
class Branch<State> {
  transaction: ClientTransaction | undefined = undefined;
  /** Highest status received (0: none yet). */
  status = 0;
  final: SipResponse | undefined = undefined;
  /** CANCEL wanted but no provisional yet (RFC 3261 §9.1: wait for one). */
  cancelPending = false;
  cancelled = false;
  /** Tickets in the proxy's timer queues (ProxyTimers), NOT_ARMED when not running. */
  timerC: Ticket = NOT_ARMED;
  cancelTimer: Ticket = NOT_ARMED;
  /** The target's noAnswerTimeout (ring timeout), while the branch has no final response. */
  noAnswerTimer: Ticket = NOT_ARMED;
  noAnswerQueue: TimerQueue<Branch<State>> | undefined = undefined;
  /** The target's noReplyTimeout, until the branch's first response. */
  noReplyTimer: Ticket = NOT_ARMED;
  noReplyQueue: TimerQueue<Branch<State>> | undefined = undefined;
  readonly handlers: BranchHandlers<State>;

  constructor(
    readonly context: ResponseContext<State>,
    /** The target's edits to this branch's responses. */
    readonly edit: ForwardTarget['prepareResponse'],
  ) {
    this.handlers = new BranchHandlers(this);
  }
}

/**
 * The handlers of one branch's client transaction. They reach the branch only while its response
 * context lives: once it is done (final response sent upstream, every branch ended) they keep
 * what a 2xx arriving later during Timer M needs (the server transaction, the target's response
 * edits) and let the branch, the context, its requests and responses go, instead of holding
 * them for 32 s.
 */
class BranchHandlers<State> implements ClientTransactionHandlers {
  private server: ServerTransaction | undefined = undefined;
  private edit: ForwardTarget['prepareResponse'] = undefined;

  constructor(private branch: Branch<State> | undefined) {}

  onResponse(response: SipResponse): void {
    const branch = this.branch;
    if (branch !== undefined) branch.context.events.response(branch.context, branch, response);
    else if (this.server !== undefined && response.status >= 200 && response.status < 300)
      forwardLate(this.server, this.edit, response);
  }

  onTimeout(): void {
    const branch = this.branch;
    if (branch !== undefined) branch.context.events.failed(branch.context, branch, 408);
  }

  onTransportError(): void {
    const branch = this.branch;
    if (branch !== undefined) branch.context.events.failed(branch.context, branch, 503);
  }

  /** The response context is done: keep only what a later 2xx needs (INVITE only, §16.7 step 5). */
  retire(): void {
    const branch = this.branch;
    if (branch?.context.isInvite) {
      this.server = branch.context.server;
      this.edit = branch.edit;
    }
    this.branch = undefined;
  }
}

/** RFC 3261 §16: one response context per forwarded request. */
class ResponseContext<State> {
  readonly branches: Branch<State>[] = [];
  finalSent = false;
  cancelled = false;
  /** Done: the final response went upstream and every branch ended; the branches are retired. */
  done = false;
  /** Times the failure handler was asked for new targets. */
  failureRounds = 0;

  constructor(
    readonly request: SipRequest,
    readonly server: ServerTransaction,
    readonly state: State | undefined,
    /** Remaining groups of targets for serial forking (lower q later). */
    public pending: ForwardTarget[][],
    /** The proxy core, for the branches' handlers. */
    readonly events: BranchEvents<State>,
  ) {}

  get isInvite(): boolean {
    return this.request.method === 'INVITE';
  }
}

/**
 * The transaction-stateful proxy core of RFC 3261 §16: forwards a request to a target set
 * (parallel forking within equal q, serial across q), relays provisionals, forwards 2xx at once,
 * cancels other branches on 2xx/6xx, runs Timer C, and picks the best final response.
 */
export class StatefulProxy<State = undefined> {
  /** By server transaction until it ends; undefined once the context is done (see settle()). */
  private readonly contexts = new Map<ServerTransaction, ResponseContext<State> | undefined>();
  private readonly timers: ProxyTimers<Branch<State>>;
  /** Shared by every branch's handlers (through their context): not closures per branch. */
  private readonly branchEvents: BranchEvents<State> = {
    response: (context, branch, response) => this.onResponse(context, branch, response),
    failed: (context, branch, status) =>
      this.branchFinal(context, branch, createResponse(context.request, status)),
  };

  /** One termination listener for every server transaction, not a closure each. */
  private readonly forget = (_reason: TerminationReason, server: ServerTransaction): void => {
    this.contexts.delete(server);
  };

  constructor(
    private readonly stack: ProxyStack,
    private readonly options: ProxyOptions,
    private readonly events: ProxyEvents<State> = {},
  ) {
    this.timers = new ProxyTimers(options.clock ?? proxyClock, {
      timerC: (branch) => this.timerCFired(branch),
      cancelTimer: (branch) => this.cancelTimerFired(branch),
      noAnswer: (branch) => this.noAnswerFired(branch),
      noReply: (branch) => this.noReplyFired(branch),
    });
  }

  /** Response contexts of server transactions still live, done ones included (stats, leak checks). */
  get size(): number {
    return this.contexts.size;
  }

  /**
   * Forward `request` (received in `server`) to the targets. Max-Forwards 0 is answered 483
   * (RFC 3261 §16.3 step 3). The caller has already done route pre-processing (§16.4). `state`
   * is handed back to `onAllBranchesFailed`.
   */
  forward(request: SipRequest, server: ServerTransaction, targets: ForwardTarget[], state?: State): void {
    if (request.maxForwards === 0) {
      server.respond(createResponse(request, 483));
      return;
    }
    if (targets.length === 0) {
      server.respond(createResponse(request, 480));
      return;
    }
    const context = new ResponseContext(request, server, state, groupByQ(targets), this.branchEvents);
    this.contexts.set(server, context);
    server.onTerminated(this.forget);
    this.startNextGroup(context);
  }

  /** RFC 3261 §16.10: a CANCEL for a request we forwarded. Returns false when no context matches. */
  cancel(
    cancel: SipRequest,
    cancelTransaction: ServerTransaction,
    invite: ServerTransaction | undefined,
  ): boolean {
    if (invite === undefined || !this.contexts.has(invite)) return false;
    // §9.2: a CANCEL after the final response has no effect, but is answered 200 all the same.
    cancelTransaction.respond(createResponse(cancel, 200));
    const context = this.contexts.get(invite);
    if (context === undefined) return true;
    context.cancelled = true;
    context.pending = [];
    for (const branch of context.branches) this.cancelBranch(context, branch);
    return true;
  }

  private startNextGroup(context: ResponseContext<State>): void {
    const group = context.pending.shift();
    if (!group) return;
    // Every branch of the group is in the context before any starts: one that fails at once
    // must not find the others missing and take the group for done.
    const first = context.branches.length;
    for (const target of group) {
      context.branches.push(new Branch(context, target.prepareResponse));
    }
    for (let i = 0; i < group.length; i++) this.startBranch(context, context.branches[first + i]!, group[i]!);
  }

  /**
   * The branch's destination (§16.6 step 7, RFC 3263): at once for a Target or an IP literal,
   * after DNS for a name. Whatever fails before the copy is sent ends the branch as a 503.
   */
  private startBranch(context: ResponseContext<State>, branch: Branch<State>, target: ForwardTarget): void {
    // §16.6 step 7: the first Route, else the target's URI (the copy's Request-URI).
    const hop = target.nextHop ?? nextHopUri(context.request, target.uri);
    let destination: Target | Promise<Target>;
    try {
      if (!('kind' in hop)) destination = hop;
      else {
        destination = this.stack.resolve(hop);
        if (destination instanceof Promise) {
          destination.then(
            (resolved) => this.sendBranch(context, branch, target, resolved),
            () => this.branchFinal(context, branch, createResponse(context.request, 503)),
          );
          return;
        }
      }
    } catch {
      this.branchFinal(context, branch, createResponse(context.request, 503));
      return;
    }
    this.sendBranch(context, branch, target, destination);
  }

  private sendBranch(
    context: ResponseContext<State>,
    branch: Branch<State>,
    target: ForwardTarget,
    destination: Target,
  ): void {
    if (context.cancelled) {
      this.branchFinal(context, branch, createResponse(context.request, 487));
      return;
    }
    // RFC 5630 §3.1.3 (RFC 3261 §26.2.2): a sips request goes only over secure hops (TLS, WSS);
    // a contact reachable only in the clear is unavailable for it, never a downgrade.
    if ((isSips(context.request.uri) || isSips(target.uri)) && !isSecure(destination.protocol)) {
      this.branchFinal(context, branch, createResponse(context.request, 480, 'Not Reachable Securely'));
      return;
    }
    try {
      const copy = prepareCopy(context.request, target.uri, this.stack, destination, {
        recordRoute: this.options.recordRoute,
        inbound: context.server.source,
        routes: target.routes,
        flowToken: this.options.flowToken,
      });
      target.prepare?.(copy);
      branch.transaction = this.stack.sendRequest(copy, destination, branch.handlers);
    } catch {
      this.branchFinal(context, branch, createResponse(context.request, 503));
      return;
    }
    if (context.isInvite) this.armTimerC(branch);
    if (target.noReplyTimeout !== undefined) this.armNoReply(branch, target.noReplyTimeout);
    if (target.noAnswerTimeout !== undefined && context.isInvite)
      this.armNoAnswer(branch, target.noAnswerTimeout);
  }

  private onResponse(context: ResponseContext<State>, branch: Branch<State>, response: SipResponse): void {
    // RFC 3261 §16.7 step 3: remove our Via before anything goes upstream.
    response.removeFirstValue('via');
    const status = response.status;
    if (status > 100) branch.edit?.(response);
    this.stopNoReply(branch);
    if (status < 200) {
      branch.status = Math.max(branch.status, status);
      if (branch.cancelPending) this.sendCancel(branch);
      // A branch given up (ring timeout) may still ring while its CANCEL is on the way.
      if (branch.final) {
        this.settle(context);
        return;
      }
      if (context.isInvite) this.armTimerC(branch);
      // §16.7 step 5: 100 is not forwarded; other provisionals are, until a final is sent.
      if (status > 100 && !context.finalSent) context.server.respond(response);
      return;
    }
    if (status < 300) {
      // §16.7 step 5: every 2xx to INVITE is forwarded at once (later ones through RFC 6026 Accepted).
      if (branch.final && !context.isInvite) return;
      branch.status = status;
      branch.final ??= response;
      this.clearBranchTimers(branch);
      if (context.isInvite || !context.finalSent) {
        context.finalSent = true;
        context.server.respond(response);
        this.events.onFinal?.(context.request, response);
      }
      // §16.7 step 10: a 2xx to INVITE cancels the other branches.
      if (context.isInvite) this.cancelOthers(context, branch);
      this.settle(context);
      return;
    }
    this.branchFinal(context, branch, response);
  }

  /** A 3xx–6xx (or synthetic) final for one branch. */
  private branchFinal(context: ResponseContext<State>, branch: Branch<State>, response: SipResponse): void {
    if (branch.final) return;
    branch.status = response.status;
    branch.final = response;
    this.clearBranchTimers(branch);
    if (context.finalSent) {
      this.settle(context);
      return;
    }
    if (response.status >= 600 && context.isInvite) {
      // §16.7 step 5: a 6xx ends the search: cancel the others and stop serial forking.
      context.pending = [];
      this.cancelOthers(context, branch);
    }
    if (context.branches.some((b) => !b.final)) return;
    if (context.pending.length > 0 && !context.cancelled) {
      this.startNextGroup(context);
      return;
    }
    this.allFailed(context);
  }

  /** §16.7 step 6: the best response goes upstream, unless the failure handler retargets first. */
  private allFailed(context: ResponseContext<State>): void {
    const best = chooseBestResponse(finalsOf(context)) ?? createResponse(context.request, 408);
    const handler = this.events.onAllBranchesFailed;
    // §16.7 step 5: after a 6xx no new branch may start; nor after a CANCEL.
    if (
      handler === undefined ||
      context.cancelled ||
      best.status >= 600 ||
      context.failureRounds >= MAX_FAILURE_ROUNDS
    ) {
      this.sendBest(context, best);
      return;
    }
    context.failureRounds++;
    const next = handler.call(this.events, context.request, best, context.state);
    if (next instanceof Promise) {
      next.then(
        (targets) => this.afterFailure(context, best, targets),
        () => this.afterFailure(context, best, undefined),
      );
      return;
    }
    this.afterFailure(context, best, next);
  }

  private afterFailure(context: ResponseContext<State>, best: SipResponse, targets: Retarget): void {
    if (context.finalSent) return;
    if (context.cancelled) {
      // Cancelled while the failure handler decided: nothing more is tried (RFC 3261 §9.2).
      context.finalSent = true;
      const terminated = createResponse(context.request, 487);
      context.server.respond(terminated);
      this.events.onFinal?.(context.request, terminated);
      this.settle(context);
      return;
    }
    if (targets === undefined || targets.length === 0) {
      this.sendBest(context, best);
      return;
    }
    context.pending = groupByQ(targets);
    this.startNextGroup(context);
  }

  private sendBest(context: ResponseContext<State>, chosen: SipResponse): void {
    let best = chosen;
    aggregateChallenges(best, finalsOf(context));
    // §16.7 step 6: a 503 from downstream goes upstream as 500.
    if (best.status === 503) {
      best = best.clone();
      best.status = 500;
      best.reason = 'Server Internal Error';
    }
    context.finalSent = true;
    context.server.respond(best);
    this.events.onFinal?.(context.request, best);
    this.settle(context);
  }

  /**
   * Once the final response went upstream and every branch ended, nothing reads the response
   * context again but a 2xx during Timer M (a retransmission, a late fork) or a CANCEL that lost
   * the race: forget it, and retire the branches' handlers so that their transactions do not keep
   * it for the 32 s of Timers L and M (RFC 6026 §7.1, §8).
   */
  private settle(context: ResponseContext<State>): void {
    if (context.done || !context.finalSent) return;
    // A branch given up before any provisional still owes its CANCEL (§9.1): it needs the context.
    for (const b of context.branches) if (!b.final || b.cancelPending) return;
    context.done = true;
    if (this.contexts.get(context.server) === context) this.contexts.set(context.server, undefined);
    for (const b of context.branches) b.handlers.retire();
  }

  private cancelOthers(context: ResponseContext<State>, except: Branch<State>): void {
    for (const b of context.branches) if (b !== except) this.cancelBranch(context, b);
  }

  private cancelBranch(context: ResponseContext<State>, branch: Branch<State>): void {
    if (branch.final || branch.cancelled || !context.isInvite) return;
    if (!branch.transaction) return; // not sent yet: startBranch sees context.cancelled
    if (branch.status >= 100) this.sendCancel(branch);
    else branch.cancelPending = true;
    // RFC 3261 §9.1: without a final response 64·T1 after the CANCEL, consider the branch ended.
    // Counted from the first CANCEL wanted: a second (a 2xx elsewhere after the upstream CANCEL)
    // does not put the give-up off.
    if (branch.cancelTimer === NOT_ARMED) {
      branch.cancelTimer = this.timers.cancel.add(branch, this.timers.clock.now() + 64 * this.options.t1);
    }
  }

  private cancelTimerFired(branch: Branch<State>): void {
    branch.cancelTimer = NOT_ARMED;
    this.branchFinal(branch.context, branch, createResponse(branch.context.request, 487));
  }

  /** RFC 3261 §9.1: CANCEL with the branch's Request-URI, Call-ID, From, To, CSeq number, top Via, Route. */
  private sendCancel(branch: Branch<State>): void {
    const sent = branch.transaction;
    // A transaction with its final response has let its request go: nothing is left to cancel.
    if (!sent?.request || branch.cancelled) return;
    branch.cancelled = true;
    branch.cancelPending = false;
    this.stack.sendRequest(createCancel(sent.request), sent.target, IGNORE_RESPONSES);
  }

  /** RFC 3261 §16.6 step 11: (re)start Timer C, at the INVITE and at every provisional (§16.7 step 2). */
  private armTimerC(branch: Branch<State>): void {
    const queue = this.timers.timerC;
    if (branch.timerC !== NOT_ARMED) queue.cancel(branch.timerC);
    branch.timerC = queue.add(branch, this.timers.clock.now() + this.options.timerC);
  }

  private timerCFired(branch: Branch<State>): void {
    branch.timerC = NOT_ARMED;
    if (branch.final) return;
    // RFC 3261 §16.8: CANCEL a branch that has ringing for too long, else behave as on 408.
    if (branch.status >= 100) this.cancelBranch(branch.context, branch);
    else this.branchFinal(branch.context, branch, createResponse(branch.context.request, 408));
  }

  /** The ring timeout: CANCEL the branch, and let it count as a 408 at once (fr_inv_timer). */
  private armNoAnswer(branch: Branch<State>, ms: number): void {
    const queue = this.timers.noAnswer(ms);
    branch.noAnswerQueue = queue;
    branch.noAnswerTimer = queue.add(branch, this.timers.clock.now() + ms);
  }

  private noAnswerFired(branch: Branch<State>): void {
    branch.noAnswerTimer = NOT_ARMED;
    branch.noAnswerQueue = undefined;
    if (branch.final) return;
    this.cancelBranch(branch.context, branch);
    this.branchFinal(branch.context, branch, createResponse(branch.context.request, 408));
  }

  /**
   * No response at all: give the branch up as a 408 and stop its retransmissions (fr_timer). No
   * CANCEL: RFC 3261 §9.1 forbids one before a provisional, and a silent peer would not see it.
   */
  private armNoReply(branch: Branch<State>, ms: number): void {
    const queue = this.timers.noReply(ms);
    branch.noReplyQueue = queue;
    branch.noReplyTimer = queue.add(branch, this.timers.clock.now() + ms);
  }

  private noReplyFired(branch: Branch<State>): void {
    branch.noReplyTimer = NOT_ARMED;
    branch.noReplyQueue = undefined;
    if (branch.final || branch.status > 0) return;
    branch.transaction?.abandon();
    this.branchFinal(branch.context, branch, createResponse(branch.context.request, 408));
  }

  private clearBranchTimers(branch: Branch<State>): void {
    if (branch.timerC !== NOT_ARMED) this.timers.timerC.cancel(branch.timerC);
    if (branch.cancelTimer !== NOT_ARMED) this.timers.cancel.cancel(branch.cancelTimer);
    branch.noAnswerQueue?.cancel(branch.noAnswerTimer);
    this.stopNoReply(branch);
    branch.timerC = NOT_ARMED;
    branch.cancelTimer = NOT_ARMED;
    branch.noAnswerTimer = NOT_ARMED;
    branch.noAnswerQueue = undefined;
  }

  private stopNoReply(branch: Branch<State>): void {
    if (branch.noReplyQueue === undefined) return;
    branch.noReplyQueue.cancel(branch.noReplyTimer);
    branch.noReplyQueue = undefined;
    branch.noReplyTimer = NOT_ARMED;
  }
}

/** RFC 6026 §8 (§16.7 step 5): a 2xx after the context was done goes upstream as the first did. */
function forwardLate(
  server: ServerTransaction,
  edit: ForwardTarget['prepareResponse'],
  response: SipResponse,
): void {
  response.removeFirstValue('via');
  edit?.(response);
  server.respond(response);
}

function finalsOf<State>(context: ResponseContext<State>): SipResponse[] {
  return context.branches.map((b) => b.final).filter((r): r is SipResponse => r !== undefined);
}

/** Targets grouped by q, highest first (RFC 3261 §16.6: serial across q, parallel within). */
function groupByQ(targets: ForwardTarget[]): ForwardTarget[][] {
  // Nearly every target set has one q (one target, or a parallel fork): no map, no sort.
  const q0 = targets[0]?.q ?? 1;
  let oneQ = true;
  for (let i = 1; i < targets.length && oneQ; i++) oneQ = (targets[i]!.q ?? 1) === q0;
  if (oneQ) return [targets];
  const groups = new Map<number, ForwardTarget[]>();
  for (const t of targets) {
    const q = t.q ?? 1;
    const g = groups.get(q);
    if (g) g.push(t);
    else groups.set(q, [t]);
  }
  return [...groups.entries()].sort((a, b) => b[0] - a[0]).map(([, g]) => g);
}

function isSips(uri: Uri): boolean {
  return uri.kind === 'sip' && uri.scheme === 'sips';
}

function isSecure(protocol: Target['protocol']): boolean {
  return protocol === 'tls' || protocol === 'wss';
}
