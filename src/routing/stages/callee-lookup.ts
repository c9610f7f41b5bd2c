import { addressOfRecord } from '../../registrar/index.js';
import { createResponse, parseNameAddress, parseUri, type SipRequest } from '../../sip/message/index.js';
import type { ForwardTarget } from '../../sip/proxy/index.js';
import { CONTINUE, type Decision, forward, respond } from '../decision.js';
import type { RoutingContext } from '../routing-context.js';
import type { RequestStage } from '../stage.js';
import type { SubscriberServices } from '../types.js';

/**
 * Callee lookup (RFC 3261 §16.5): the target set for a user of a served domain, by username,
 * alias or number (DID), forked to every registered contact (§16.6) through the address each
 * REGISTER came from, or its Path (RFC 3327). 404 when no subscriber has that name, 480 when it
 * has no live binding.
 */
export class CalleeLookup implements RequestStage {
  readonly name = 'callee-lookup';

  constructor(private readonly services: Pick<SubscriberServices, 'store' | 'location'>) {}

  decide(request: SipRequest, context: RoutingContext): Decision | Promise<Decision> {
    const domain = context.domain;
    if (domain === undefined) return CONTINUE;
    const callee = addressOfRecord(request.uri);
    if (!callee) return respond(createResponse(request, 404));
    return this.lookup(request, callee.user, domain);
  }

  private async lookup(request: SipRequest, user: string, domain: string): Promise<Decision> {
    const subscriber = await this.services.store.resolveUser(user, domain);
    if (!subscriber?.enabled) return respond(createResponse(request, 404));
    const aor = `sip:${subscriber.username}@${subscriber.domain.toLowerCase()}`;
    const targets: ForwardTarget[] = [];
    for (const binding of await this.services.location.lookup(aor)) {
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
    if (targets.length === 0) return respond(createResponse(request, 480));
    return forward(targets);
  }
}
