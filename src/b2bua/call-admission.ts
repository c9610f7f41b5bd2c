import type { RoutingContext } from '../routing/index.js';
import { createResponse, type SipRequest, type SipResponse } from '../sip/message/index.js';
import type { CallParties, EntityLimits, Refusal } from './admission.js';

/**
 * Whom a new call counts against, as the routing stages found them: its proven subscriber and
 * domain, the trunks it comes from and goes to, and its called number (emergency numbers pass).
 */
export function admissionParties(
  request: SipRequest,
  context: RoutingContext,
  limits: ReadonlyMap<string, EntityLimits> | undefined,
): CallParties {
  const trunks = [context.trunk?.name, context.trunkCall?.trunk?.name].filter(
    (name): name is string => name !== undefined,
  );
  const uri = request.uri;
  return {
    ...(context.caller ? { subscriber: context.caller.aor, domain: context.caller.domain } : {}),
    trunks,
    ...(uri.kind === 'sip' && uri.user ? { callee: uri.user } : {}),
    ...(limits && limits.size > 0 ? { limits } : {}),
  };
}

/** The answer refusing an INVITE past a limit: 403, or 503 with Retry-After, with the Reason. */
export function refusalResponse(request: SipRequest, refusal: Refusal): SipResponse {
  const response = createResponse(request, refusal.status);
  response.append('reason', refusal.reason);
  if (refusal.retryAfter !== undefined) response.append('retry-after', String(refusal.retryAfter));
  return response;
}

/** The text of a Refusal's Reason (`...;text="Too many calls of trunk t"`), for a sipfrag's phrase. */
export function refusalText(refusal: Refusal): string | undefined {
  return /;text="([^"]*)"/.exec(refusal.reason)?.[1];
}
