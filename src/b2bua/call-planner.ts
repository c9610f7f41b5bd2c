import type { RoutingContext } from '../routing/index.js';
import type { SipRequest } from '../sip/message/index.js';
import type { ForwardTarget } from '../sip/proxy/index.js';
import type { CallPolicies, CallPolicyKeys } from '../store/index.js';
import { partiesOf } from './call-parties.js';
import { type CallPlan, planCall } from './call-plan.js';
import type { B2buaMode } from './call-policy.js';

/** Where the planner finds the policies of a call's parties (the store's call policies). */
export interface CallPolicySource {
  callPolicies(keys: CallPolicyKeys): Promise<CallPolicies>;
  hasCallPolicies(): Promise<boolean>;
}

/** How long `b2bua.mode off` trusts "no policy exists" before asking the store again (ms). */
export const POLICY_PRESENCE_TTL_MS = 2000;

const NONE = (): CallPolicies => ({
  subscribers: new Map(),
  domains: new Map(),
  trunks: new Map(),
  recordings: new Map(),
});

/**
 * Plans each new call once, as the routing role offers it: its parties' policies from the store
 * (one look-up per call), then planCall. The plan is kept with the call's routing context for
 * `take` (limits, codecs, recording). Without a store only `b2bua.mode` and trunks' codecs apply.
 */
export class CallPlanner {
  private readonly plans = new WeakMap<RoutingContext, CallPlan>();
  /** `b2bua.mode off`: whether the store had any policy when last asked, and when (ms). */
  private presence: { any: boolean; at: number } | undefined;

  constructor(
    private readonly mode: B2buaMode,
    private readonly source?: CallPolicySource,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the B2BUA takes the call (a promise while the store answers). */
  takes(request: SipRequest, context: RoutingContext, targets: ForwardTarget[]): boolean | Promise<boolean> {
    if (this.mode === 'off' && this.source) {
      // A proxy-only node pays no look-up per call while no policy could take one.
      const presence = this.presence;
      if (presence && this.now() - presence.at < POLICY_PRESENCE_TTL_MS) {
        return presence.any ? this.plan(request, context, targets) : false;
      }
      return this.source.hasCallPolicies().then((any) => {
        this.presence = { any, at: this.now() };
        return any ? this.plan(request, context, targets) : false;
      });
    }
    return this.plan(request, context, targets);
  }

  private plan(
    request: SipRequest,
    context: RoutingContext,
    targets: ForwardTarget[],
  ): boolean | Promise<boolean> {
    const parties = partiesOf(request, context, targets);
    if (!this.source) return this.keep(context, planCall(this.mode, parties, NONE()));
    const keys: CallPolicyKeys = {
      subscribers: [parties.caller?.name, parties.callee?.name].filter((n): n is string => n !== undefined),
      domains: [parties.caller?.domain, parties.callee?.domain].filter((n): n is string => n !== undefined),
      trunks: [parties.sourceTrunk?.name, parties.trunk?.name].filter((n): n is string => n !== undefined),
    };
    return this.source
      .callPolicies(keys)
      .then((found) => this.keep(context, planCall(this.mode, parties, found)));
  }

  /** The plan made for this call's context (undefined for a call never offered to `takes`). */
  planOf(context: RoutingContext): CallPlan | undefined {
    return this.plans.get(context);
  }

  private keep(context: RoutingContext, plan: CallPlan): boolean {
    this.plans.set(context, plan);
    return plan.take;
  }
}
