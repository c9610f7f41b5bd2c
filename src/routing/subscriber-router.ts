import type { LocationService } from '../location/index.js';
import {
  addressOfRecord,
  type LocalDomains,
  needsChallenge,
  type RequestAuthenticator,
} from '../registrar/index.js';
import {
  createResponse,
  parseNameAddress,
  parseUri,
  type SipRequest,
  type SipResponse,
} from '../sip/message/index.js';
import type { ForwardTarget } from '../sip/proxy/index.js';
import type { Target } from '../sip/transport/index.js';
import type { ProvisioningStore } from '../store/types.js';

/** What routing to subscribers needs: the store's users, served domains, bindings, digest auth. */
export interface SubscriberRoutingDeps {
  store: Pick<ProvisioningStore, 'resolveUser' | 'getSubscriber'>;
  domains: LocalDomains;
  location: LocationService;
  authenticator: RequestAuthenticator;
}

/** Where a request for a served domain goes. */
export type UserRoute =
  | { kind: 'respond'; response: SipResponse }
  | { kind: 'forward'; targets: ForwardTarget[] };

/**
 * Routing for the domains this platform serves: callers who claim to be our subscribers prove it
 * (RFC 3261 §22.3, 407), and requests for our users fork to their registered contacts
 * (RFC 3261 §16.5–16.6) through the address each REGISTER came from, or its Path (RFC 3327).
 */
export class SubscriberRouter {
  constructor(private readonly deps: SubscriberRoutingDeps) {}

  /** The served domain a Request-URI host names, if any. */
  async servedDomain(host: string): Promise<string | undefined> {
    const domain = host.toLowerCase();
    return (await this.deps.domains.has(domain)) ? domain : undefined;
  }

  /**
   * RFC 3261 §22.3: a request whose From is in one of our domains must carry our subscriber's
   * credentials; returns the 407/403 to send, or undefined when the caller is proven (or foreign).
   * The credentials for our realm are removed before the request travels on.
   */
  async authorizeCaller(request: SipRequest, source: Target): Promise<SipResponse | undefined> {
    const from = addressOfRecord(request.from.uri);
    const fromUri = request.from.uri;
    const domain = fromUri.kind === 'sip' ? fromUri.hostname : undefined;
    if (domain === undefined || !(await this.deps.domains.has(domain))) return undefined;
    const realm = domain;
    const outcome = await this.deps.authenticator.verify(request, {
      realm,
      proxy: true,
      source: source.address,
      lookupHa1: async (username, r, algorithm) => {
        const subscriber = await this.deps.store.getSubscriber(username, r);
        if (!subscriber?.enabled) return undefined;
        return algorithm === 'SHA-256' ? subscriber.ha1Sha256 : subscriber.ha1Md5;
      },
    });
    if (needsChallenge(outcome)) {
      const challenge = this.deps.authenticator.challenge(realm, {
        proxy: true,
        stale: outcome.result === 'stale',
      });
      const response = createResponse(request, challenge.status);
      for (const value of challenge.values) response.append(challenge.header, value);
      return response;
    }
    if (outcome.result !== 'ok') return createResponse(request, 403);
    // The From must be the authenticated subscriber: no calling as someone else.
    if (!from || outcome.credentials.username !== from.user) {
      return createResponse(request, 403, 'Forbidden (credentials do not match From)');
    }
    consumeCredentials(request, realm);
    return undefined;
  }

  /**
   * RFC 3261 §16.5: the target set for a user of a served domain, by username, alias or number;
   * 404 when no subscriber has that name, 480 when it has no live binding.
   */
  async routeToUser(request: SipRequest, user: string, domain: string): Promise<UserRoute> {
    const subscriber = await this.deps.store.resolveUser(user, domain);
    if (!subscriber?.enabled) {
      return { kind: 'respond', response: createResponse(request, 404) };
    }
    const aor = `sip:${subscriber.username}@${subscriber.domain.toLowerCase()}`;
    const targets: ForwardTarget[] = [];
    for (const binding of await this.deps.location.lookup(aor)) {
      let uri: ReturnType<typeof parseUri>;
      try {
        uri = parseUri(binding.contact);
      } catch {
        continue;
      }
      const target: ForwardTarget = { uri, q: binding.q };
      const firstPath = binding.path[0];
      if (firstPath !== undefined) {
        // RFC 3327 §5.3: the Path becomes the Route set, and the first Path entry the next hop.
        target.routes = [...binding.path];
        target.nextHop = parseNameAddress(firstPath).uri;
      } else {
        // Back to where the REGISTER came from, not to the contact's (possibly private) address.
        const { protocol, address, port, connectionId } = binding.source;
        target.nextHop = connectionId
          ? { protocol, address, port, connectionId }
          : { protocol, address, port };
      }
      targets.push(target);
    }
    if (targets.length === 0) return { kind: 'respond', response: createResponse(request, 480) };
    return { kind: 'forward', targets };
  }
}

/** Remove the Proxy-Authorization values for our realm (RFC 3261 §22.3: consumed by this proxy). */
function consumeCredentials(request: SipRequest, realm: string): void {
  const values = request.getAll('proxy-authorization');
  if (values.length === 0) return;
  const kept = values.filter((v) => realmOf(v) !== realm);
  request.remove('proxy-authorization');
  for (const v of kept) request.append('Proxy-Authorization', v);
}

function realmOf(credentials: string): string | undefined {
  const m = /realm\s*=\s*"([^"]*)"/i.exec(credentials);
  return m?.[1]?.toLowerCase();
}
