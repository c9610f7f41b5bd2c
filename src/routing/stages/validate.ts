import { createResponse, type SipRequest, SipUri, type Via } from '../../sip/message/index.js';
import { hasLooped, type ProxyStack } from '../../sip/proxy/index.js';
import { CONTINUE, type Decision, respond } from '../decision.js';
import type { RoutingContext } from '../routing-context.js';
import type { RequestStage } from '../stage.js';

/**
 * Request validation, RFC 3261 §16.3, before any policy: whatever the node would do with the
 * request, these answers come first. Item 1 (reasonable syntax) is the stack's: malformed requests
 * never reach a role (src/sip/parser/sanity.ts). Item 6 (Proxy-Authorization) is the authenticate
 * stage's.
 */
export class Validate implements RequestStage {
  readonly name = 'validate';
  private readonly supported: Set<string>;
  private readonly isOwnVia: (via: Via) => boolean;

  constructor(
    private readonly stack: Pick<ProxyStack, 'isLocalUri'>,
    supported: readonly string[] = [],
  ) {
    this.supported = new Set(supported.map((t) => t.toLowerCase()));
    this.isOwnVia = (via) => stack.isLocalUri(new SipUri('sip', via.host, via.port ?? 5060));
  }

  decide(request: SipRequest, _context: RoutingContext): Decision {
    const uri = request.uri;
    // Item 2: a Request-URI scheme we do not understand.
    if (uri.kind === 'absolute') return respond(createResponse(request, 416));
    // Item 3: the request must not be forwarded further. An OPTIONS for the node itself may
    // still be answered by it, as the final recipient (§11).
    if (request.maxForwards === 0 && !(request.method === 'OPTIONS' && this.stack.isLocalUri(uri))) {
      return respond(createResponse(request, 483));
    }
    // Item 4: our own Via with the branch we would compute for this request (§16.6 item 8).
    if (hasLooped(request, this.isOwnVia)) return respond(createResponse(request, 482));
    // Item 5: option tags every proxy on the path must support.
    if (request.has('proxy-require')) {
      const unsupported = request.getAll('proxy-require').filter((t) => !this.supported.has(t.toLowerCase()));
      if (unsupported.length > 0) {
        const response = createResponse(request, 420);
        response.append('Unsupported', unsupported.join(', '));
        return respond(response);
      }
    }
    return CONTINUE;
  }
}
