/**
 * Call features (forwarding, barring, anonymous call rejection, CLIR) of a subscriber, and the
 * defaults of a domain that apply to every subscriber who set nothing of their own.
 */
export interface CallFeatures {
  /** Call forwarding unconditional (CFU): a SIP URI, a number or a user of the same domain. */
  forwardAlways?: string;
  /** Forwarding on busy (CFB): the callee answered 486 Busy Here. */
  forwardBusy?: string;
  /** Forwarding on no answer (CFNA): nobody answered within `ringTimeout`. */
  forwardNoAnswer?: string;
  /** Seconds a call rings before CFNA takes it (20 when unset). */
  ringTimeout?: number;
  /** Forwarding when not reachable (CFNR): not registered, or 408/480/503 from the phones. */
  forwardUnreachable?: string;
  /** Incoming calls from callers matching one of these number patterns are refused (403). */
  barIncoming?: string[];
  /** Outgoing calls to numbers matching one of these patterns are refused (403). */
  barOutgoing?: string[];
  /** Anonymous call rejection (RFC 5079): 433 for callers who withhold their identity. */
  rejectAnonymous?: boolean;
  /** Calling line identification restriction: every call goes out with Privacy: id (RFC 3323). */
  clir?: boolean;
  /** Diversions a forwarded call may have gone through before it is refused with 483 (5 when unset). */
  maxDiversions?: number;
}

/** How a domain's subscribers dial: their numbers become E.164 (and back, for display). */
export interface NumberingPlan {
  /** Country code without '+': `49`. */
  countryCode: string;
  /** Dialled before a national number: `0`. */
  nationalPrefix?: string;
  /** Dialled before an international number: `00`. */
  internationalPrefix?: string;
  /** Area code of local numbers (dialled without prefix), without the national prefix: `30`. */
  areaCode?: string;
}

export interface DomainFeatures extends CallFeatures {
  numbering?: NumberingPlan;
}

/** Partial changes: a field given replaces the stored one, null clears it, absent keeps it. */
export type FeatureChanges<T> = { [K in keyof T]?: T[K] | null };

/** Feature settings as stored for a subscriber (`user@domain`) or a domain. */
export interface StoredFeatures<T> {
  features: T;
  updatedAt: Date;
}

export interface CallFeatureRepository {
  getSubscriberFeatures(username: string, domain: string): Promise<StoredFeatures<CallFeatures> | undefined>;
  /** Applies `changes` to the subscriber's settings in one transaction; NotFoundError without subscriber. */
  updateSubscriberFeatures(
    username: string,
    domain: string,
    changes: FeatureChanges<CallFeatures>,
  ): Promise<StoredFeatures<CallFeatures>>;
  /** Replaces every setting (PUT): fields left out are cleared. */
  replaceSubscriberFeatures(
    username: string,
    domain: string,
    features: CallFeatures,
  ): Promise<StoredFeatures<CallFeatures>>;
  removeSubscriberFeatures(username: string, domain: string): Promise<boolean>;

  getDomainFeatures(domain: string): Promise<StoredFeatures<DomainFeatures> | undefined>;
  updateDomainFeatures(
    domain: string,
    changes: FeatureChanges<DomainFeatures>,
  ): Promise<StoredFeatures<DomainFeatures>>;
  replaceDomainFeatures(domain: string, features: DomainFeatures): Promise<StoredFeatures<DomainFeatures>>;
  removeDomainFeatures(domain: string): Promise<boolean>;

  /**
   * What applies to a subscriber's calls: each setting of their own, else the domain's; with the
   * domain's numbering plan. Takes anything (it is fed from the network) and finds nothing.
   */
  effectiveFeatures(username: string, domain: string): Promise<DomainFeatures>;
}
