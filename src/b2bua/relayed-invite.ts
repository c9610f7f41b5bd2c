import { parseNameAddress, type SipRequest, type SipResponse } from '../sip/message/index.js';
import type {
  ClientTransaction,
  ServerTransaction,
  ServerTransactionState,
  TerminationReason,
} from '../sip/transaction/index.js';
import type { Target } from '../sip/transport/index.js';
import type { ResponseCallbacks, UaTimers } from '../sip/ua/index.js';

/** RFC 3261 §17.2.1 Timer L's length (64·T1): late 2xx of other forks still reach the callee leg. */
const LINGER_T1 = 64;

export interface RelayedInviteOptions {
  /** The node's own address: the "source" the relay sees the B2BUA's INVITE come from. */
  source: Target;
  timers: UaTimers;
  t1: number;
  /** Whether a Record-Route URI is this node's (the relay's own entry, dropped from responses). */
  isOwnUri: (uri: ReturnType<typeof parseNameAddress>['uri']) => boolean;
  /** The connection a response came back over, when its branch went to one (a registered client's). */
  flowOf?: (response: SipResponse) => Target | undefined;
}

/**
 * The B2BUA's INVITE as the relay's server transaction: the relay forwards it to the stages'
 * targets (forking, failover, Timer C) and answers here, and the answers go to the callee leg's
 * session as if from its own client transaction — every 1xx, one final, later 2xx of other forks.
 * The relay's own Record-Route is taken out of the responses: it is this node, and the callee
 * leg's dialog must not route its requests back through itself.
 */
export class RelayedInvite implements ServerTransaction {
  readonly id: string;
  readonly isInvite = true;
  readonly source: Target;
  state: ServerTransactionState = 'trying';
  lastResponse: SipResponse | undefined;
  private final = false;
  private readonly listeners: Array<(reason: TerminationReason, transaction: ServerTransaction) => void> = [];
  private lingerTimer: unknown;

  constructor(
    readonly request: SipRequest,
    private readonly callbacks: ResponseCallbacks,
    private readonly options: RelayedInviteOptions,
  ) {
    this.id = `b2bua:${request.topVia?.branch ?? request.callId}`;
    this.source = options.source;
  }

  respond(response: SipResponse): boolean {
    if (this.state === 'terminated') return false;
    const status = response.status;
    if (this.final && !(this.state === 'accepted' && status >= 200 && status < 300)) return false;
    this.lastResponse = response;
    if (status > 100 && status < 300) this.dropOwnRecordRoute(response);
    const flow = this.options.flowOf?.(response);
    if (status < 200) {
      this.state = 'proceeding';
      if (status > 100) this.callbacks.onProvisional?.(response, flow);
      return true;
    }
    if (this.final) {
      this.callbacks.onLate2xx?.(response, flow);
      return true;
    }
    this.final = true;
    this.state = status < 300 ? 'accepted' : 'completed';
    this.callbacks.onFinal?.(response, flow);
    // After a 2xx other forks may still answer 2xx (§13.2.2.4); after a failure nothing comes.
    if (status < 300) {
      this.lingerTimer = this.options.timers.setTimeout(
        () => this.terminate('normal'),
        LINGER_T1 * this.options.t1,
      );
    } else this.terminate('normal');
    return true;
  }

  onTerminated(listener: (reason: TerminationReason, transaction: ServerTransaction) => void): void {
    this.listeners.push(listener);
  }

  /** Ends it: the relay forgets the response context. */
  terminate(reason: TerminationReason): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    if (this.lingerTimer !== undefined) this.options.timers.clearTimeout(this.lingerTimer);
    for (const listener of this.listeners.splice(0)) listener(reason, this);
  }

  /** The client-side view the callee leg's session keeps of its INVITE (for its CANCEL). */
  clientView(): ClientTransaction {
    return {
      id: this.id,
      request: this.request,
      isInvite: true,
      target: this.source,
      get state() {
        return 'proceeding' as const;
      },
      lastStatus: 0,
      onTerminated: (listener) => this.onTerminated(listener),
      abandon: () => this.terminate('timeout'),
    };
  }

  /** The last Record-Route values that are this node's (the relay's, nearest the UAC) go. */
  private dropOwnRecordRoute(response: SipResponse): void {
    const values = response.getAll('record-route');
    let keep = values.length;
    while (keep > 0 && this.ownRoute(values[keep - 1]!)) keep--;
    if (keep === values.length) return;
    response.remove('record-route');
    for (const value of values.slice(0, keep)) response.append('record-route', value);
  }

  private ownRoute(value: string): boolean {
    try {
      return this.options.isOwnUri(parseNameAddress(value).uri);
    } catch {
      return false;
    }
  }
}
