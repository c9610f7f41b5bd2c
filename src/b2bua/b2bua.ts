import type { EventBus } from '../events/index.js';
import type { MediaRelay } from '../media/relay/index.js';
import type { CallOwner, CallTakeover, RoutingContext, TakenCall } from '../routing/index.js';
import { createResponse, type SipRequest, type Uri } from '../sip/message/index.js';
import type { ForwardTarget } from '../sip/proxy/index.js';
import type { ServerTransaction } from '../sip/transaction/index.js';
import type { UserAgentCore } from '../sip/ua/index.js';
import type { AdmissionControl } from './admission.js';
import { B2buaCall, type CallObserver } from './b2bua-call.js';
import { refusalResponse } from './call-admission.js';
import { CallPlanner, type CallPolicySource } from './call-planner.js';
import type { B2buaMode } from './call-policy.js';
import type { CallRecord } from './call-record.js';
import { HeaderPolicy } from './header-policy.js';
import { HeldCallPolicies } from './held-call-policies.js';
import { type LiveCall, liveCallOf, partiesOf } from './live-call.js';
import type { CallRecordings } from './recording-policy.js';
import { intervalTooSmall, MIN_SESSION_EXPIRES } from './session-timer.js';
import { type HeldCall, type TransferKind, Transfers } from './transfer.js';
import type { TransferredCallObserver } from './transferred-call.js';

/** Where ended calls go (the CDR writer); it must not throw. */
export interface CallRecordSink {
  write(record: CallRecord): void;
}

/** Where calls in progress are journaled (src/b2bua/call-journal.ts), so a restart loses no CDR. */
export interface CallJournalSink {
  opened(call: LiveCall): void;
  answered(call: LiveCall): void;
}

/** The Reason (RFC 3326) both legs get when a call is hung up through the API; its CDR keeps it. */
export const API_HANGUP_REASON = 'SIP;cause=200;text="Call ended through the API"';

/** Counters the B2BUA keeps (wired to /metrics by the node). */
export interface B2buaMetrics {
  callStarted(): void;
  callEnded(disposition: string): void;
  /** A call refused by admission control (403 or 503). */
  callRefused?(status: number): void;
  /** A transfer ended: blind, attended (REFER with Replaces) or replaces (an INVITE with Replaces). */
  transfer?(kind: TransferKind, result: 'completed' | 'failed'): void;
}

export interface B2buaOptions {
  core: UserAgentCore;
  /** The default of which calls it takes; `policies` refine it per subscriber, domain and trunk. */
  mode: B2buaMode;
  /** Call and recording policies of the parties (the store); without it only `mode` applies. */
  policies?: CallPolicySource;
  /** Applies recording policies to answered calls (src/b2bua/recording-policy.ts). */
  recordings?: CallRecordings;
  /** X- headers passed between legs besides the fixed list (`b2bua.passHeaders`). */
  passHeaders?: readonly string[];
  /** Seconds an answered call may last (`b2bua.maxCallDuration`; 0: no limit). */
  maxCallDuration: number;
  /** RFC 4028 session interval on both legs (`b2bua.sessionExpires`; 0: none). */
  sessionExpires?: number;
  /** Seconds without RTP before an answered call with anchored media is ended (`b2bua.mediaTimeout`; 0: never). */
  mediaTimeout?: number;
  /** Call admission control (`b2bua.maxCallsPer*`, `b2bua.maxCallRate`, `b2bua.emergencyNumbers`). */
  admission?: AdmissionControl;
  isOwnUri: (uri: Uri) => boolean;
  events?: EventBus;
  media?: MediaRelay;
  records?: CallRecordSink;
  journal?: CallJournalSink;
  metrics?: B2buaMetrics;
  now?: () => number;
  onError?: (error: unknown, context: string) => void;
}

/**
 * The B2BUA role: takes over the calls its policy picks once the routing stages decided their
 * targets, and holds each as two legs (src/b2bua/b2bua-call.ts). Publishes call.* events and
 * hands each ended call's record to the CDR writer.
 */
export class B2bua implements CallTakeover, CallOwner, CallObserver, TransferredCallObserver {
  private readonly calls = new Map<string, HeldCall>();
  private readonly headers: HeaderPolicy;
  private readonly planner: CallPlanner;
  /** Each call's admission (released when it ends) and recording policy, transfers' calls too. */
  private readonly policies: HeldCallPolicies;
  /** CDRs waiting for their call's recording to stop (its id goes in them). */
  private readonly recordsPending = new Set<Promise<void>>();
  private readonly now: () => number;
  private readonly onError: (error: unknown, context: string) => void;
  /** REFER from the legs: blind and attended transfer (transfer.ts). */
  private readonly transfers: Transfers;

  constructor(private readonly options: B2buaOptions) {
    // The legs take reliable provisionals (RFC 3262) and session timers (RFC 4028): a PRACK,
    // UPDATE or re-INVITE requiring them is not refused 420.
    options.core.understand('100rel', 'timer');
    this.headers = new HeaderPolicy(options.passHeaders);
    this.planner = new CallPlanner(options.mode, options.policies);
    this.policies = new HeldCallPolicies(this.planner, options.admission, (status) =>
      this.options.metrics?.callRefused?.(status),
    );
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? ((error, context) => options.core.onError(error, `b2bua ${context}`));
    this.transfers = new Transfers({
      core: options.core,
      headers: this.headers,
      media: options.media,
      isOwnUri: options.isOwnUri,
      observer: this,
      now: this.now,
      maxDuration: options.maxCallDuration * 1000,
      sessionExpires: options.sessionExpires ?? 0,
      mediaTimeout: (options.mediaTimeout ?? 0) * 1000,
      onError: this.onError,
      calls: () => this.calls.values(),
      policy: this.policies,
      transferred: (kind, result) => this.options.metrics?.transfer?.(kind, result),
    });
    // REFER must be in Allow for the legs' dialogs (RFC 3515); outside a call the node takes none.
    if (!options.core.allow().includes('REFER')) {
      options.core.handle('REFER', (request, transaction) =>
        transaction.respond(createResponse(request, 403, 'Forbidden (REFER outside a call)')),
      );
    }
  }

  /** Calls in progress. */
  get active(): number {
    return this.calls.size;
  }

  /** The live calls (for listing and hang-up): taken calls and the calls transfers made. */
  list(): HeldCall[] {
    return [...this.calls.values()];
  }

  get(id: string): HeldCall | undefined {
    return this.calls.get(id);
  }

  /**
   * CallOwner (the local stage, before authentication): an INVITE whose Replaces names a leg this
   * B2BUA holds (RFC 3891 §3) is the B2BUA's to answer, wherever its Request-URI points.
   */
  owns(request: SipRequest): boolean {
    return (
      request.method === 'INVITE' &&
      request.to.tag === undefined &&
      request.has('replaces') &&
      this.transfers.replacedBy(request) !== undefined
    );
  }

  handle(request: SipRequest, transaction: ServerTransaction): void {
    this.transfers.replace(request, transaction);
  }

  takes(request: SipRequest, context: RoutingContext, targets: ForwardTarget[]): boolean | Promise<boolean> {
    return this.planner.takes(request, context, targets);
  }

  /** The live calls as the API shows them, oldest first. */
  liveCalls(): LiveCall[] {
    return this.list()
      .map((call) => liveCallOf(call, this.options.media?.kind))
      .sort((a, b) => a.setupAt - b.setupAt);
  }

  liveCall(id: string): LiveCall | undefined {
    const call = this.calls.get(id);
    return call ? liveCallOf(call, this.options.media?.kind) : undefined;
  }

  /**
   * Ends a call from outside it (the API): BYE on both legs once answered, else CANCEL to the
   * callee and 480 to the caller, each with `reason` (RFC 3326); its CDR says hangup `node` and
   * keeps the Reason. The call as it stood, or undefined when no call has this id.
   */
  hangUp(id: string, reason = API_HANGUP_REASON): LiveCall | undefined {
    const call = this.calls.get(id);
    if (!call) return undefined;
    const live = liveCallOf(call, this.options.media?.kind);
    call.hangUp(reason);
    return live;
  }

  take(taken: TakenCall): void {
    if ((this.options.sessionExpires ?? 0) > 0 && intervalTooSmall(taken.request)) {
      // RFC 4028 §8: below our Min-SE; the caller retries with at least it (§7.4).
      const response = createResponse(taken.request, 422);
      response.append('min-se', String(MIN_SESSION_EXPIRES));
      taken.transaction.respond(response);
      return;
    }
    const plan = this.planner.planOf(taken.context);
    const admitted = this.policies.admit(taken.request, taken.context, plan?.limits);
    if ('status' in admitted) {
      taken.transaction.respond(refusalResponse(taken.request, admitted));
      return;
    }
    let call: B2buaCall;
    try {
      call = new B2buaCall(
        {
          core: this.options.core,
          headers: this.headers,
          media: this.options.media,
          isOwnUri: this.options.isOwnUri,
          observer: this,
          now: this.now,
          maxDuration: this.options.maxCallDuration * 1000,
          sessionExpires: this.options.sessionExpires ?? 0,
          mediaTimeout: (this.options.mediaTimeout ?? 0) * 1000,
          ...(plan ? { codecs: plan.codecs } : {}),
          ...(plan?.calleeSrtp ? { calleeSrtp: plan.calleeSrtp } : {}),
          onError: this.onError,
          otherRequest: (held, side, incoming) => this.transfers.otherRequest(held, side, incoming),
        },
        taken,
      );
    } catch (error) {
      this.onError(error, 'take call');
      admitted.release();
      taken.transaction.respond(createResponse(taken.request, 500));
      return;
    }
    this.policies.hold(call.id, admitted, plan?.recording);
    this.calls.set(call.id, call);
    call.start().catch((error) => {
      this.onError(error, 'start call');
      call.hangUp('SIP;cause=500;text="Call setup failed"', 41);
    });
  }

  /**
   * The node stops: every call is ended (BYE, or CANCEL and 480), and those whose legs have not
   * ended within `graceMs` are recorded as they stand, so each still gets its CDR.
   */
  async stop(graceMs = 2000): Promise<void> {
    for (const call of this.calls.values()) call.hangUp('SIP;cause=503;text="Node shutting down"', 41);
    const deadline = this.now() + graceMs;
    while (this.calls.size > 0 && this.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await Promise.allSettled([...this.calls.values()].map((call) => call.abandon()));
    await Promise.allSettled([...this.recordsPending]);
  }

  // ---- CallObserver ----------------------------------------------------------------------

  initiated(call: HeldCall): void {
    // A transfer's call is held from its start (listed, ended at stop), like a taken call.
    this.calls.set(call.id, call);
    this.options.metrics?.callStarted();
    this.publish(call, 'call.initiated');
    this.journal('opened', call);
  }

  ringing(call: HeldCall, status: number): void {
    this.publish(call, 'call.ringing', { status });
  }

  answered(call: HeldCall): void {
    this.publish(call, 'call.answered', { status: 200 });
    const recording = this.policies.recordingOf(call.id);
    if (recording) this.options.recordings?.start(call.id, recording);
    this.journal('answered', call);
  }

  private journal(step: 'opened' | 'answered', call: HeldCall): void {
    const journal = this.options.journal;
    if (!journal) return;
    try {
      journal[step](liveCallOf(call, this.options.media?.kind));
    } catch (error) {
      this.onError(error, `journal ${step} call`);
    }
  }

  completed(call: HeldCall, record: CallRecord): void {
    this.calls.delete(call.id);
    this.policies.release(call.id);
    this.options.metrics?.callEnded(record.disposition);
    this.publish(call, 'call.completed', {
      status: record.status,
      cause: record.cause,
      hangup: record.hangup,
      disposition: record.disposition,
      at: record.endAt,
    });
    const recordings = this.options.recordings;
    if (!recordings?.has(call.id)) {
      this.writeRecord(record);
      return;
    }
    // The recording stops first, so the CDR can name it.
    const pending = recordings.end(call.id).then((id) => {
      if (id !== undefined) record.recordingId = id;
      this.writeRecord(record);
    });
    this.recordsPending.add(pending);
    void pending.finally(() => this.recordsPending.delete(pending));
  }

  private writeRecord(record: CallRecord): void {
    try {
      this.options.records?.write(record);
    } catch (error) {
      this.onError(error, 'write call record');
    }
  }

  private publish(
    call: HeldCall,
    type: 'call.initiated' | 'call.ringing' | 'call.answered' | 'call.completed',
    extra: {
      status?: number;
      cause?: number;
      hangup?: CallRecord['hangup'];
      disposition?: string;
      at?: number;
    } = {},
  ): void {
    const events = this.options.events;
    if (!events) return;
    const parties = partiesOf(call);
    const { caller, callee } = parties;
    // The events name the trunk the call went out through, else the one it came in from.
    const trunk = parties.trunk ?? parties.sourceTrunk;
    events.publish({
      type,
      callId: call.id,
      sipCallId: call.callerCallId,
      caller,
      callee,
      ...(trunk ? { trunk } : {}),
      at: this.now(),
      ...extra,
    });
  }
}
