import type { SipRequest } from '../message/message.js';
import type { Uri } from '../message/uri.js';

/**
 * RFC 3261 §16.4: undo strict routing (a Request-URI that is ours came from a strict router:
 * the real Request-URI is the last Route) and remove the Route values that name us. Returns
 * whether the request was routed through us (it carried one of our Route values). `onOurs` sees
 * each of our URIs taken off (their flow tokens, RFC 5626 §5.3).
 */
export function preprocessRoute(
  request: SipRequest,
  isLocal: (uri: Uri) => boolean,
  onOurs?: (uri: Uri) => void,
): boolean {
  if (!request.has('route')) return false;
  let ours = false;
  if (isLocal(request.uri)) {
    const routes = request.routes;
    const last = routes[routes.length - 1];
    // Only a URI we could have written into a Record-Route (no user part but a flow token's with
    // `;ob`, and `;lr`) came from a strict router; `REGISTER sip:example.com` for a domain we
    // serve, with a preloaded Route, did not.
    const uri = request.uri;
    const recorded = uri.kind === 'sip' && (uri.user === undefined || uri.params.has('ob'));
    if (last && recorded && uri.looseRouting) {
      onOurs?.(uri);
      const kept = request.getAll('route').slice(0, -1);
      request.remove('route');
      for (const value of kept) request.append('Route', value);
      request.uri = last.uri;
      ours = true;
    }
  }
  for (;;) {
    const first = request.routes[0];
    if (!first || !isLocal(first.uri)) break;
    onOurs?.(first.uri);
    request.removeFirstValue('route');
    ours = true;
  }
  return ours;
}
