import type { SipRequest } from '../message/message.js';
import type { Uri } from '../message/uri.js';

/**
 * RFC 3261 §16.4: undo strict routing (a Request-URI that is ours came from a strict router:
 * the real Request-URI is the last Route) and remove the Route values that name us.
 */
export function preprocessRoute(request: SipRequest, isLocal: (uri: Uri) => boolean): void {
  if (!request.has('route')) return;
  if (isLocal(request.uri)) {
    const routes = request.routes;
    const last = routes[routes.length - 1];
    // Our Record-Route values have no user part: such a Request-URI came from a strict router.
    if (last && request.uri.kind === 'sip' && request.uri.user === undefined) {
      const kept = request.getAll('route').slice(0, -1);
      request.remove('route');
      for (const value of kept) request.append('Route', value);
      request.uri = last.uri;
    }
  }
  for (;;) {
    const first = request.routes[0];
    if (!first || !isLocal(first.uri)) break;
    request.removeFirstValue('route');
  }
}
