import type { CodecPolicy } from '../media/relay/index.js';
import type { CallPolicies, CallPolicy, CodecRules, SrtpChoice } from '../store/index.js';
import type { EntityLimits } from './admission.js';
import type { PartiesOfCall, SubscriberParty } from './call-parties.js';
import type { B2buaMode } from './call-policy.js';

/** What the B2BUA does with one call, decided once from the policies of its parties. */
export interface CallPlan {
  take: boolean;
  /** Which rule decided, for logs and tests: `recorded alice@example.com`, `subscriber bob@x: never`, `b2bua.mode all`. */
  why: string;
  /** Limits overriding the node's, by admission key (`subscriber:sip:alice@x`, `domain:x`, `trunk:t`). */
  limits: Map<string, EntityLimits>;
  /** Codec policy of the SDP each side receives. */
  codecs: { toCallee?: CodecPolicy; toCaller?: CodecPolicy };
  /** The SRTP of the callee leg (the called side's `srtp`); absent: plain RTP/AVP. */
  calleeSrtp?: SrtpChoice;
  /** The recording policy that applies (the caller's, else the callee's), and whose it is. */
  recording?: { subscriber: string; store: boolean; streamUrl?: string };
}

type Verdict = { take: boolean; why: string } | undefined;

/** One level's say: any party's `always` (or `nat` behind NAT) takes, else any `never` proxies. */
function level(
  scope: string,
  entries: Array<{ name: string; policy: CallPolicy | undefined; nated: boolean }>,
): Verdict {
  let never: string | undefined;
  for (const { name, policy, nated } of entries) {
    const choice = policy?.b2bua;
    if (choice === 'always') return { take: true, why: `${scope} ${name}: always` };
    if (choice === 'nat' && nated) return { take: true, why: `${scope} ${name}: nat (behind NAT)` };
    if (choice === 'never') never ??= `${scope} ${name}: never`;
  }
  return never === undefined ? undefined : { take: false, why: never };
}

function nodeDefault(
  mode: B2buaMode,
  parties: PartiesOfCall,
  nated: boolean,
): { take: boolean; why: string } {
  const why = `b2bua.mode ${mode}`;
  switch (mode) {
    case 'off':
      return { take: false, why };
    case 'all':
      return { take: true, why };
    case 'trunks':
      return {
        take: parties.sourceTrunk !== undefined || parties.trunk !== undefined || parties.offNet === true,
        why,
      };
    case 'nat':
      return { take: nated, why };
  }
}

/**
 * Whether the B2BUA takes a call. In order, the first rule that decides:
 * 1. a recorded call (the caller or the callee has a recording policy) is always taken: the
 *    recorder forks it from the relay, which a proxied call never passes through;
 * 2. the subscribers' `b2bua` (caller and callee), 3. their domains', 4. the trunks' (from, to):
 *    at each level `always` takes, `nat` takes a call of a phone behind NAT, `never` proxies,
 *    absent (inherit) asks the next level — within a level, taking wins over `never`;
 * 5. the node's `b2bua.mode`.
 */
export function decideTakeover(
  mode: B2buaMode,
  parties: PartiesOfCall,
  found: CallPolicies,
): {
  take: boolean;
  why: string;
} {
  const subscribers = [parties.caller, parties.callee].filter((p): p is SubscriberParty => p !== undefined);
  for (const s of subscribers) {
    if (found.recordings.has(s.name.toLowerCase())) return { take: true, why: `recorded ${s.name}` };
  }
  const nated = subscribers.some((s) => s.nated);
  const bySubscriber = level(
    'subscriber',
    subscribers.map((s) => ({ name: s.name, policy: found.subscribers.get(s.name), nated: s.nated })),
  );
  if (bySubscriber) return bySubscriber;
  const domains = new Map<string, boolean>();
  for (const s of subscribers) domains.set(s.domain, (domains.get(s.domain) ?? false) || s.nated);
  const byDomain = level(
    'domain',
    [...domains].map(([name, domainNated]) => ({
      name,
      policy: found.domains.get(name),
      nated: domainNated,
    })),
  );
  if (byDomain) return byDomain;
  const trunks = [parties.sourceTrunk, parties.trunk].flatMap((t) => (t ? [t.name] : []));
  const byTrunk = level(
    'trunk',
    trunks.map((name) => ({ name, policy: found.trunks.get(name), nated })),
  );
  if (byTrunk) return byTrunk;
  return nodeDefault(mode, parties, nated);
}

/** Limits of the call's parties that override the node's (absent settings keep the node's). */
function limitsOf(parties: PartiesOfCall, found: CallPolicies): Map<string, EntityLimits> {
  const limits = new Map<string, EntityLimits>();
  const add = (key: string, policy: CallPolicy | undefined) => {
    if (!policy) return;
    const entity: EntityLimits = {};
    if (policy.maxCalls !== undefined) entity.concurrent = policy.maxCalls;
    if (policy.maxCallRate !== undefined) entity.perSecond = policy.maxCallRate;
    if (Object.keys(entity).length > 0) limits.set(key, entity);
  };
  // The keys AdmissionControl counts under: the caller's AoR with scheme, its domain, each trunk.
  if (parties.caller) {
    add(`subscriber:sip:${parties.caller.name}`, found.subscribers.get(parties.caller.name));
    add(`domain:${parties.caller.domain}`, found.domains.get(parties.caller.domain));
  }
  for (const trunk of [parties.sourceTrunk, parties.trunk])
    if (trunk) add(`trunk:${trunk.name}`, found.trunks.get(trunk.name));
  return limits;
}

/** A subscriber's codec rules: their own, else their domain's. */
function subscriberCodecs(party: SubscriberParty | undefined, found: CallPolicies): CodecRules | undefined {
  if (!party) return undefined;
  return found.subscribers.get(party.name)?.codecs ?? found.domains.get(party.domain)?.codecs;
}

/** A trunk's codec rules: its call policy's, with the trunk's own `codecs` list as the order when it sets none. */
function trunkCodecs(trunk: PartiesOfCall['trunk'], found: CallPolicies): CodecRules | undefined {
  if (!trunk) return undefined;
  const rules = found.trunks.get(trunk.name)?.codecs;
  if (trunk.codecs.length === 0) return rules;
  return { order: trunk.codecs, ...rules };
}

/**
 * The codec policy of the SDP one side receives: that side's own rules first (its order and
 * ptime), restricted by the other side's (RFC 3264: the answer can only take what the offer has,
 * so an allow-list of either side must already hold in the offer) — allow-lists intersect,
 * strip-lists add up.
 */
export function combineCodecs(
  own: CodecRules | undefined,
  other: CodecRules | undefined,
): CodecPolicy | undefined {
  if (!own && !other) return undefined;
  const policy: CodecPolicy = {};
  const lower = (names: string[]) => names.map((n) => n.toLowerCase());
  if (own?.allow && other?.allow) {
    const theirs = new Set(lower(other.allow));
    policy.allow = own.allow.filter((n) => theirs.has(n.toLowerCase()));
    // Nothing in common: the allow-list of nothing but telephone-event refuses the call (488).
    if (policy.allow.length === 0) policy.allow = ['telephone-event'];
  } else if (own?.allow ?? other?.allow) {
    policy.allow = [...(own?.allow ?? other?.allow ?? [])];
  }
  const strip = [...new Set([...lower(own?.strip ?? []), ...lower(other?.strip ?? [])])];
  if (strip.length > 0) policy.strip = strip;
  const order = own?.order ?? other?.order;
  if (order) policy.order = [...order];
  const ptime = own?.ptime ?? other?.ptime;
  if (ptime !== undefined) policy.ptime = ptime;
  return Object.keys(policy).length > 0 ? policy : undefined;
}

/**
 * The called side's `srtp`: the outbound trunk's policy, else the callee subscriber's own, else
 * its domain's (as codecs: the side the callee leg is offered to).
 */
function calleeSrtpOf(parties: PartiesOfCall, found: CallPolicies): SrtpChoice | undefined {
  if (parties.trunk) {
    const trunk = found.trunks.get(parties.trunk.name)?.srtp;
    if (trunk) return trunk;
  }
  const callee = parties.callee;
  if (!callee) return undefined;
  return found.subscribers.get(callee.name)?.srtp ?? found.domains.get(callee.domain)?.srtp;
}

/** The whole plan of a call: taken or not, its limits, its codecs, its SRTP and its recording. */
export function planCall(mode: B2buaMode, parties: PartiesOfCall, found: CallPolicies): CallPlan {
  const { take, why } = decideTakeover(mode, parties, found);
  const callerSide = subscriberCodecs(parties.caller, found) ?? trunkCodecs(parties.sourceTrunk, found);
  const calleeSide = trunkCodecs(parties.trunk, found) ?? subscriberCodecs(parties.callee, found);
  const toCallee = combineCodecs(calleeSide, callerSide);
  const toCaller = combineCodecs(callerSide, calleeSide);
  const plan: CallPlan = {
    take,
    why,
    limits: limitsOf(parties, found),
    codecs: { ...(toCallee ? { toCallee } : {}), ...(toCaller ? { toCaller } : {}) },
  };
  const calleeSrtp = calleeSrtpOf(parties, found);
  if (calleeSrtp) plan.calleeSrtp = calleeSrtp;
  for (const party of [parties.caller, parties.callee]) {
    const recording = party && found.recordings.get(party.name.toLowerCase());
    if (party && recording) {
      plan.recording = { subscriber: party.name, ...recording };
      break;
    }
  }
  return plan;
}
