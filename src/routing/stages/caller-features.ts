import type { AddressOfRecord } from '../../registrar/index.js';
import { createResponse, Parameters, parseNameAddress, type SipRequest } from '../../sip/message/index.js';
import { CONTINUE, type Decision, respond } from '../decision.js';
import { anonymiseFrom, privacyValues } from '../features/identity.js';
import { numberForms } from '../features/numbering.js';
import { firstMatch } from '../features/patterns.js';
import type { RoutingContext } from '../routing-context.js';
import type { RequestStage } from '../stage.js';
import type { SubscriberServices } from '../types.js';

/** Methods that start something for a callee; the caller's features apply to them. */
const OUT_OF_DIALOG = new Set([
  'INVITE',
  'MESSAGE',
  'SUBSCRIBE',
  'REFER',
  'OPTIONS',
  'NOTIFY',
  'PUBLISH',
  'INFO',
]);

/**
 * The caller's side of a request from one of our subscribers, after authentication proved who
 * they are: outgoing barring (403), and the caller identity of RFC 3325 and RFC 3323 — the node
 * asserts the proven caller in P-Asserted-Identity (a P-Preferred-Identity only when it is one of
 * the caller's own: username, alias or number), and withholds it (Privacy: id, anonymous From)
 * for CLIR or when the caller asks. An identity asserted by anyone else but a trunk is removed
 * (§5: it does not come from within the trust domain).
 */
export class CallerFeatures implements RequestStage {
  readonly name = 'caller-features';

  constructor(
    private readonly services: Pick<SubscriberServices, 'store' | 'domains'> &
      Required<Pick<SubscriberServices, 'features'>>,
  ) {}

  decide(request: SipRequest, context: RoutingContext): Decision | Promise<Decision> {
    if (!OUT_OF_DIALOG.has(request.method) || request.to.tag !== undefined) return CONTINUE;
    const caller = context.caller;
    if (caller === undefined) {
      // RFC 3325 §5: an assertion from outside the trust domain is not passed on to our users. A
      // configured trunk is inside it (a carrier asserts the PSTN caller, RFC 3325 §2.3 Spec(T)).
      if (context.domain !== undefined && context.trunk === undefined && request.has('p-asserted-identity'))
        request.remove('p-asserted-identity');
      return CONTINUE;
    }
    return this.apply(request, context, caller);
  }

  private async apply(
    request: SipRequest,
    context: RoutingContext,
    caller: AddressOfRecord,
  ): Promise<Decision> {
    const features = await this.services.features.effectiveFeatures(caller.user, caller.domain);
    const uri = request.uri;
    if (features.barOutgoing && uri.kind === 'sip' && uri.user !== undefined) {
      const forms = numberForms(uri.user, features.numbering);
      if (context.dialled !== undefined) forms.push(context.dialled);
      if (firstMatch(features.barOutgoing, forms))
        return respond(createResponse(request, 403, 'Outgoing Calls Barred'));
    }
    const asserted = (await this.preferred(request, caller)) ?? this.identityOf(request, caller);
    request.remove('p-preferred-identity');
    request.set('p-asserted-identity', asserted);
    const privacy = privacyValues(request);
    // Privacy: none is the caller presenting their identity on this call, whatever CLIR says.
    if (features.clir && !privacy.includes('none') && !privacy.includes('id')) {
      request.set('privacy', [...privacy, 'id'].join(';'));
    }
    const withheld = privacyValues(request);
    if (withheld.includes('id') || withheld.includes('user') || withheld.includes('header')) {
      // RFC 3323 §5.3: as privacy service the node anonymises the From of what it sends on.
      const before = context.prepare;
      context.prepare = before
        ? (copy) => {
            anonymiseFrom(copy);
            before(copy);
          }
        : anonymiseFrom;
    }
    return CONTINUE;
  }

  /** `"Alice" <sip:alice@example.com>`: the proven caller, with the From's display name. */
  private identityOf(request: SipRequest, caller: AddressOfRecord): string {
    const name = request.from.displayName;
    return `${name !== undefined ? `${name} ` : ''}<sip:${caller.user}@${caller.domain}>`;
  }

  /** RFC 3325 §9.2: the P-Preferred-Identity the caller asked for, if it is one of their own. */
  private async preferred(request: SipRequest, caller: AddressOfRecord): Promise<string | undefined> {
    for (const value of request.getAll('p-preferred-identity')) {
      let preferred: ReturnType<typeof parseNameAddress>;
      try {
        preferred = parseNameAddress(value);
      } catch {
        continue;
      }
      const uri = preferred.uri;
      let user: string | undefined;
      let domain = caller.domain;
      if (uri.kind === 'sip' && uri.user !== undefined) {
        user = uri.user;
        domain = uri.hostname;
      } else if (uri.kind === 'tel') user = uri.number;
      if (user === undefined || !(await this.services.domains.has(domain))) continue;
      const owner = await this.services.store.resolveUser(user, domain);
      if (owner && owner.username === caller.user && owner.domain.toLowerCase() === caller.domain) {
        preferred.params = new Parameters();
        // The caller's display name goes with the identity they chose, as it does with their own.
        preferred.displayName ??= request.from.displayName;
        return preferred.toString();
      }
    }
    return undefined;
  }
}
