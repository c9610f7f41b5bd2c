import type { NameAddress, SipRequest, Uri } from '../message/index.js';

/** A route-set entry is a loose router when its URI carries `lr` (RFC 3261 §16.12, §19.1.1). */
function isLoose(route: NameAddress): boolean {
  return route.uri.kind === 'sip' && route.uri.looseRouting;
}

/** Remove what may not appear in a Request-URI (§19.1.1 table: `method` and headers). */
function asRequestUri(uri: Uri): Uri {
  if (uri.kind !== 'sip') return uri.clone();
  const copy = uri.clone();
  copy.params.delete('method');
  copy.headers = undefined;
  return copy;
}

/**
 * Set the Request-URI and Route headers of a request from a remote target and route set
 * (RFC 3261 §12.2.1.1). Loose routing when the first route has `lr`; otherwise strict-router
 * compatibility: the first route becomes the Request-URI and the remote target the last Route.
 */
export function applyRouteSet(
  request: SipRequest,
  remoteTarget: Uri,
  routeSet: readonly NameAddress[],
): void {
  request.remove('route');
  const first = routeSet[0];
  if (!first) {
    request.uri = remoteTarget.clone();
    return;
  }
  if (isLoose(first)) {
    request.uri = remoteTarget.clone();
    for (const route of routeSet) request.append('route', route.toString());
    return;
  }
  request.uri = asRequestUri(first.uri);
  for (const route of routeSet.slice(1)) request.append('route', route.toString());
  request.append('route', `<${remoteTarget.toString()}>`);
}

/**
 * Where a request built from this route set goes next (§8.1.2): the first route (whatever kind of
 * router it is; a strict router sits in the Request-URI), else the remote target.
 */
export function routeSetNextHop(remoteTarget: Uri, routeSet: readonly NameAddress[]): Uri {
  return routeSet[0]?.uri ?? remoteTarget;
}

/**
 * Where an arbitrary request goes next (§8.1.2): the first Route when it is a loose router, else
 * the Request-URI. A request whose first Route lacks `lr` was formed for a strict router, whose
 * address is already in the Request-URI.
 */
export function requestNextHop(request: SipRequest): Uri {
  const first = request.routes[0];
  if (first && isLoose(first)) return first.uri;
  return request.uri;
}
