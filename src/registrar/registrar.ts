import { type RequestAuthenticator, SubscriberAuth } from '../authentication/index.js';
import type { EventBus, RegistrationEventType, RemovalReason } from '../events/index.js';
import { type Binding, type BindingSource, type LocationService, noPath } from '../location/index.js';
import { type Awaitable, andThen } from '../sip/auth/index.js';
import {
  createResponse,
  detach,
  parseNameAddress,
  SipParseError,
  type SipRequest,
  type SipResponse,
} from '../sip/message/index.js';
import type { ServerTransaction } from '../sip/transaction/index.js';
import type { Target } from '../sip/transport/index.js';
import { type AddressOfRecord, addressOfRecord } from './aor.js';
import { bindingEvent } from './binding-event.js';
import { BadParameter, contactParams, parseDeltaSeconds } from './contact-params.js';
import { KeyedLock } from './keyed-lock.js';
import { LocalDomains } from './local-domains.js';
import { usesOutbound } from './outbound.js';
import { registerOk } from './register-response.js';
import { type PlanSuccess, planRegistration, type RegisterContact } from './registration-plan.js';
import { defaultRegistrarOptions, type RegistrarOptions, type SubscriberStore } from './types.js';

export interface RegistrarDeps {
  store: SubscriberStore;
  location: LocationService;
  authenticator: RequestAuthenticator;
  /** The node's digest check, shared with the proxy; by default one over `store` and `authenticator`. */
  auth?: SubscriberAuth;
  events?: EventBus;
  /** Shared served-domain cache (the proxy asks the same question). */
  domains?: LocalDomains;
  now?: () => number;
  /** Unexpected failures (store down): answered 500 and reported here. */
  onError?: (error: unknown) => void;
}

/** Extensions a REGISTER may Require of us (RFC 3261 §10.3 step 2). */
const supportedExtensions = new Set(['path', 'outbound']);
/** Path values kept per binding (RFC 3327): a few edge proxies, never an attacker's list. */
const MAX_PATH = 5;
/** Longest contact URI stored: bounds the memory of a binding. */
const MAX_CONTACT_LENGTH = 1024;
const MAX_USER_AGENT = 128;

/**
 * The registrar of RFC 3261 §10.3 for the domains in the provisioning store. Every REGISTER is
 * authenticated (401) against the subscriber named in To; the authenticated user may only change
 * its own bindings (403 otherwise). Bad input gets a 4xx and changes nothing; nothing throws.
 *
 * Limit policy: a REGISTER with more than `maxContactsPerRequest` contacts is a 400; beyond
 * `maxContacts` bindings per AoR the least recently refreshed bindings are evicted (a phone that
 * rebooted behind a new NAT port must not be locked out by its own stale bindings); only a single
 * REGISTER asking for more than `maxContacts` at once is refused (403 with a Warning).
 */
export class Registrar {
  private readonly options: RegistrarOptions;
  private readonly domains: LocalDomains;
  private readonly lock = new KeyedLock();
  private readonly now: () => number;
  private readonly auth: SubscriberAuth;

  constructor(
    private readonly deps: RegistrarDeps,
    options: Partial<RegistrarOptions> = {},
  ) {
    this.options = { ...defaultRegistrarOptions, ...options };
    const { minExpires, defaultExpires, maxExpires } = this.options;
    if (!(minExpires >= 0 && minExpires <= defaultExpires && defaultExpires <= maxExpires)) {
      throw new Error('registrar: expected minExpires <= defaultExpires <= maxExpires');
    }
    this.domains = deps.domains ?? new LocalDomains(deps.store);
    this.now = deps.now ?? Date.now;
    this.auth = deps.auth ?? new SubscriberAuth(deps.store, deps.authenticator);
  }

  /** Transaction-user entry point: answers through the transaction, never throws. */
  handle(request: SipRequest, transaction: ServerTransaction): void {
    const response = this.answer(request, transaction.source);
    if (response instanceof Promise) void response.then((r) => transaction.respond(r));
    else transaction.respond(response);
  }

  /** The response to one REGISTER received from `source`; never rejects. */
  async process(request: SipRequest, source: Target): Promise<SipResponse> {
    return this.answer(request, source);
  }

  /**
   * The response, at once when every step has its data at hand (served domains and subscribers
   * cached or read synchronously, bindings in memory, write-back): a registration then costs no
   * promise or async frame. Never throws or rejects.
   */
  private answer(request: SipRequest, source: Target): Awaitable<SipResponse> {
    try {
      const response = this.register(request, source);
      return response instanceof Promise ? response.catch((e: unknown) => this.failed(request, e)) : response;
    } catch (e) {
      return this.failed(request, e);
    }
  }

  private failed(request: SipRequest, e: unknown): SipResponse {
    if (e instanceof SipParseError || e instanceof BadParameter) {
      return createResponse(request, 400, `Bad Request (${e.message})`);
    }
    // Step 7: a failed commit (store down) fails the whole request, nothing changed.
    this.deps.onError?.(e);
    return createResponse(request, 500);
  }

  private register(request: SipRequest, source: Target): Awaitable<SipResponse> {
    // Step 2: extensions we do not know.
    const unsupported = request.getAll('require').filter((t) => !supportedExtensions.has(t.toLowerCase()));
    if (unsupported.length > 0) {
      const response = createResponse(request, 420);
      response.set('Unsupported', unsupported.join(', '));
      return response;
    }
    // Step 5 before step 3: a domain we do not serve has no realm to authenticate in.
    const aor = addressOfRecord(request.to.uri);
    if (!aor) return createResponse(request, 404);
    return andThen(this.serves(aor.domain), (served) => {
      if (!served) return createResponse(request, 404);
      const target = request.uri;
      if (target.kind !== 'sip' || target.hostname === aor.domain)
        return this.authenticate(request, source, aor);
      return andThen(this.serves(target.hostname), (other) =>
        other
          ? createResponse(request, 404, 'Not Found (To is not in the Request-URI domain)')
          : this.authenticate(request, source, aor),
      );
    });
  }

  private serves(domain: string): Awaitable<boolean> {
    return this.domains.cached(domain) ?? this.domains.has(domain);
  }

  /** Steps 3–4: authenticate, then only the subscriber itself may change its bindings. */
  private authenticate(request: SipRequest, source: Target, aor: AddressOfRecord): Awaitable<SipResponse> {
    const refusal = this.auth.check(request, { realm: aor.domain, user: aor.user, source: source.address });
    return andThen(refusal, (r) => r ?? this.bind(request, source, aor));
  }

  /** Steps 6–8: the bindings changed as the request asks, under the AoR's lock. */
  private bind(request: SipRequest, source: Target, aor: AddressOfRecord): Awaitable<SipResponse> {
    const contacts = this.readContacts(request);
    if (!Array.isArray(contacts) && contacts !== '*') return contacts;
    const expiresHeader = request.get('expires');
    const headerExpires = expiresHeader === undefined ? undefined : parseDeltaSeconds(expiresHeader.trim());
    const path = this.readPath(request);
    const userAgent = request.get('user-agent');
    const bindingSource: BindingSource = {
      protocol: source.protocol,
      address: source.address,
      port: source.port,
      ...(source.connectionId !== undefined ? { connectionId: source.connectionId } : {}),
    };

    // Detached: the AoR is a map key and a field of every binding, and must not pin the message.
    const key = detach(aor.aor);
    return this.lock.run(key, () => {
      const now = this.now();
      const { location } = this.deps;
      return andThen(location.liveBindings?.(key) ?? location.lookup(key), (current) => {
        const plan = planRegistration(
          {
            aor: key,
            current,
            contacts,
            headerExpires,
            callId: detach(request.callId),
            cseq: request.cseq.seq,
            now,
            source: bindingSource,
            path,
            userAgent: userAgent === undefined ? undefined : detach(userAgent.slice(0, MAX_USER_AGENT)),
          },
          this.options,
        );
        if (!plan.ok) {
          const response = createResponse(request, plan.status, plan.reason);
          for (const [name, value] of plan.headers ?? []) response.append(name, value);
          return response;
        }
        const { change } = plan;
        const changed = change.add.length > 0 || change.remove.length > 0;
        // commit() returns nothing once done at once: not an `??` fallback to update().
        const commit = location.commit ? location.commit.bind(location) : location.update.bind(location);
        const committed = changed ? commit(key, change) : undefined;
        return andThen(committed, () => this.accepted(request, plan, now, contacts, path));
      });
    });
  }

  /** Step 8, once the change is committed: the events and the 200 with the AoR's bindings. */
  private accepted(
    request: SipRequest,
    plan: PlanSuccess,
    now: number,
    contacts: RegisterContact[] | '*',
    path: readonly string[],
  ): SipResponse {
    for (const { binding, reason } of plan.removed)
      this.publish('registration.removed', binding, now, reason);
    for (const b of plan.created) this.publish('registration.created', b, now);
    for (const b of plan.refreshed) this.publish('registration.refreshed', b, now);
    const response = registerOk(request, plan.bindings, now, path);
    if (usesOutbound(request, contacts, path)) response.set('Require', 'outbound');
    return response;
  }

  /** Contacts to apply, '*', or the 400 that refuses them. */
  private readContacts(request: SipRequest): RegisterContact[] | '*' | SipResponse {
    const values = request.getAll('contact');
    if (values.length > this.options.maxContactsPerRequest) {
      return createResponse(request, 400, 'Too Many Contacts');
    }
    // Step 6: '*' only alone (the Expires: 0 rule is checked with the bindings).
    if (values.includes('*')) {
      if (values.length > 1) return createResponse(request, 400, 'Contact * Must Be Alone');
      return '*';
    }
    const contacts: RegisterContact[] = [];
    for (const value of values) {
      const contact = parseNameAddress(value);
      if (contact.uri.kind !== 'sip') return createResponse(request, 400, 'Contact Must Be a SIP URI');
      const text = contact.uri.toString();
      if (text.length > MAX_CONTACT_LENGTH) return createResponse(request, 400, 'Contact Too Long');
      const params = contactParams(contact);
      if (params.instanceId !== undefined) params.instanceId = detach(params.instanceId);
      contacts.push({ uri: contact.uri, text: detach(text), params });
    }
    return contacts;
  }

  /** RFC 3327: the Path values, validated (they become Route headers towards the contact). */
  private readPath(request: SipRequest): readonly string[] {
    const values = request.getAll('path');
    if (values.length > MAX_PATH) throw new BadParameter('too many Path values');
    for (const value of values) {
      if (parseNameAddress(value).uri.kind !== 'sip') throw new BadParameter('Path must be a SIP URI');
    }
    return values.length === 0 ? noPath : values.map(detach);
  }

  private publish(type: RegistrationEventType, b: Binding, now: number, reason?: RemovalReason): void {
    this.deps.events?.publish(bindingEvent(type, b, now, reason));
  }
}
