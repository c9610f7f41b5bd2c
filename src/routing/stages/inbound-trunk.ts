import { consumeCredentials, needsChallenge } from '../../authentication/index.js';
import { ha1 } from '../../sip/auth/index.js';
import { createResponse, type SipRequest, SipUri } from '../../sip/message/index.js';
import type { ProxyStack } from '../../sip/proxy/index.js';
import type { Trunk } from '../../store/index.js';
import { dialledDigits, manipulate } from '../../trunks/index.js';
import { CONTINUE, type Decision, respond } from '../decision.js';
import type { RoutingContext } from '../routing-context.js';
import type { RequestStage } from '../stage.js';
import { trunkCalledUser } from '../trunk-called-user.js';
import type { SubscriberServices, TrunkServices } from '../types.js';

/**
 * Calls from carriers (peering, DIDs): a request on a TLS connection whose verified client
 * certificate names a trunk (its inbound TLS name), from one of a trunk's source networks, or
 * with the digest credentials of a trunk, is that trunk's call. It needs no subscriber to prove
 * itself (the authenticate stage passes it); its called number — after the trunk's inbound
 * manipulation — is a DID, the number of a subscriber (`switchboard number add`), and the
 * Request-URI is retargeted to that subscriber's domain for callee lookup (RFC 3261 §16.5).
 * A number no subscriber has is 404. A request to a number at the node's own address from a
 * stranger, when some trunk authenticates by credentials, is challenged (407) in the trunks' realm.
 */
export class InboundTrunk implements RequestStage {
  readonly name = 'inbound-trunk';

  constructor(
    private readonly stack: Pick<ProxyStack, 'isLocalUri'>,
    private readonly trunks: Pick<TrunkServices, 'tables' | 'authenticator' | 'realm' | 'peerNames'>,
    private readonly subscribers: Pick<SubscriberServices, 'domains' | 'store'>,
  ) {}

  decide(request: SipRequest, context: RoutingContext): Decision | Promise<Decision> {
    if (request.method === 'REGISTER') return CONTINUE;
    const inbound = this.trunks.tables.current.inbound;
    const trunk = this.byCertificate(context) ?? inbound.bySourceAddress(context.source.address);
    if (trunk) return this.toSubscriber(request, trunk, context);
    if (!inbound.hasCredentials || !this.maybeTrunkCall(request)) return CONTINUE;
    return this.authenticate(request, context);
  }

  /** RFC 5922 §7.1: a carrier's TLS connection whose verified certificate names one of our trunks. */
  private byCertificate(context: RoutingContext): Trunk | undefined {
    const inbound = this.trunks.tables.current.inbound;
    const source = context.source;
    if (source.protocol !== 'tls' || source.connectionId === undefined || !inbound.hasTlsNames)
      return undefined;
    const names = this.trunks.peerNames?.(source);
    return names && names.length > 0 ? inbound.byCertificateNames(names) : undefined;
  }

  /** A number at this node's address: what a carrier sends, and the only thing a trunk is challenged for. */
  private maybeTrunkCall(request: SipRequest): boolean {
    const uri = request.uri;
    return (
      uri.kind === 'sip' &&
      uri.user !== undefined &&
      dialledDigits(uri.user) !== undefined &&
      this.stack.isLocalUri(uri)
    );
  }

  private async authenticate(request: SipRequest, context: RoutingContext): Promise<Decision> {
    // Our subscribers calling a number at our address prove themselves in their own domain.
    const from = request.from.uri;
    if (from.kind === 'sip' && (await this.subscribers.domains.has(from.hostname.toLowerCase()))) {
      return CONTINUE;
    }
    const realm = this.trunks.realm;
    const inbound = this.trunks.tables.current.inbound;
    let trunk: Trunk | undefined;
    const outcome = await this.trunks.authenticator.verify(request, {
      realm,
      proxy: true,
      source: context.source.address,
      lookupHa1: async (username, r, algorithm) => {
        trunk = inbound.byDigestUsername(username);
        const password = trunk?.inboundPassword;
        return password === undefined ? undefined : ha1(username, r, password, algorithm);
      },
    });
    if (needsChallenge(outcome)) {
      const challenge = this.trunks.authenticator.challenge(realm, {
        proxy: true,
        stale: outcome.result === 'stale',
      });
      const response = createResponse(request, challenge.status);
      for (const value of challenge.values) response.append(challenge.header, value);
      return respond(response);
    }
    if (outcome.result !== 'ok' || trunk === undefined) return respond(createResponse(request, 403));
    consumeCredentials(request, realm);
    return this.toSubscriber(request, trunk, context);
  }

  private async toSubscriber(request: SipRequest, trunk: Trunk, context: RoutingContext): Promise<Decision> {
    context.trunk = trunk;
    const uri = request.uri;
    // OPTIONS pings and other requests for the node itself: the node answers them.
    if (uri.kind !== 'sip' || uri.user === undefined) return CONTINUE;
    // To a registered trunk's Contact: the DID is in the To header (trunk-called-user.ts).
    const user = trunkCalledUser(request, trunk) ?? uri.user;
    const digits = dialledDigits(user);
    if (digits === undefined) return respond(createResponse(request, 404, 'Not Found (not a number)'));
    const number = manipulate(
      user.startsWith('+') ? `+${digits}` : digits,
      trunk.inboundStrip,
      trunk.inboundPrefix,
    );
    const subscriber = await this.subscribers.store.resolveUser(number, uri.hostname);
    if (!subscriber?.enabled) return respond(createResponse(request, 404));
    // The DID's subscriber, in its domain: the local stage and callee lookup take it from here.
    request.uri = new SipUri(uri.scheme, subscriber.domain, undefined, number);
    return CONTINUE;
  }
}
