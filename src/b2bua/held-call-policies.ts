import type { RoutingContext } from '../routing/index.js';
import type { SipRequest } from '../sip/message/index.js';
import type { ForwardTarget } from '../sip/proxy/index.js';
import type { AdmissionControl, Admitted, EntityLimits, Refusal } from './admission.js';
import { admissionParties } from './call-admission.js';
import type { CallPlanner } from './call-planner.js';
import type { CallRecordingPolicy } from './recording-policy.js';
import type { HeldCall, TransferPolicy } from './transfer.js';
import type { TransferredCall } from './transferred-call.js';

const UNCOUNTED: Admitted = { keys: [], release: () => {} };

/**
 * What each call the B2BUA holds counts against (admission control) and which recording policy
 * applies to it — for a taken call from its plan, and for the call a transfer makes: a blind
 * transfer's new call is planned and admitted as a new call of the referrer's (the stages route
 * it so), its count not held against it while the call it came from still counts; an attended
 * transfer or a Replaces makes no new call towards anyone, so the joined call carries on with
 * the count and the recording policy of the transferee's call.
 */
export class HeldCallPolicies implements TransferPolicy {
  private readonly admitted = new Map<string, Admitted>();
  private readonly recordings = new Map<string, CallRecordingPolicy>();

  constructor(
    private readonly planner: CallPlanner,
    private readonly admission: AdmissionControl | undefined,
    /** A call refused by admission control (for /metrics). */
    private readonly refused: (status: number) => void = () => {},
  ) {}

  /** Admission control for a new call the stages routed; `replacing`: the call it comes from. */
  admit(
    request: SipRequest,
    context: RoutingContext,
    limits: ReadonlyMap<string, EntityLimits> | undefined,
    replacing?: Admitted,
  ): Admitted | Refusal {
    if (!this.admission) return UNCOUNTED;
    const result = this.admission.admit(admissionParties(request, context, limits), replacing);
    if ('status' in result) this.refused(result.status);
    return result;
  }

  /** The call holds its admission and, once answered, is recorded by `recording`. */
  hold(callId: string, admitted: Admitted, recording: CallRecordingPolicy | undefined): void {
    this.admitted.set(callId, admitted);
    if (recording) this.recordings.set(callId, recording);
  }

  /** The recording policy that applies to a held call, if any. */
  recordingOf(callId: string): CallRecordingPolicy | undefined {
    return this.recordings.get(callId);
  }

  /** The call ended: it no longer counts. */
  release(callId: string): void {
    this.admitted.get(callId)?.release();
    this.admitted.delete(callId);
    this.recordings.delete(callId);
  }

  async admitTransfer(
    from: Pick<HeldCall, 'id'>,
    invite: SipRequest,
    context: RoutingContext,
    targets: ForwardTarget[],
  ): Promise<((call: TransferredCall) => void) | Refusal> {
    // The plan (one look-up of the parties' policies) gives the limits and the recording policy.
    await this.planner.takes(invite, context, targets);
    const plan = this.planner.planOf(context);
    const admitted = this.admit(invite, context, plan?.limits, this.admitted.get(from.id));
    if ('status' in admitted) return admitted;
    // The referrer's or the target's policy, else the one the transferee's call was recorded by.
    const recording = plan?.recording ?? this.recordings.get(from.id);
    return (call) => this.hold(call.id, admitted, recording);
  }

  carry(from: Pick<HeldCall, 'id'>, to: Pick<TransferredCall, 'id'>): void {
    const admitted = this.admitted.get(from.id);
    this.admitted.delete(from.id);
    this.hold(to.id, admitted ?? UNCOUNTED, this.recordings.get(from.id));
  }
}
