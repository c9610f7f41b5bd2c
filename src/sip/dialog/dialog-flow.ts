import type { SipRequest, Uri } from '../message/index.js';
import type { Target } from '../transport/types.js';

/**
 * The flow a dialog's peer is at the other end of (RFC 5626 §3.4 "flow"; RFC 7118 §5): the
 * connection the dialog-forming request or response came over, kept so that requests in the
 * dialog reach the peer over its own socket rather than at a Contact nothing can connect to.
 */
export interface DialogFlow {
  target: Target;
  /**
   * The remote target is reachable over this flow only (RFC 7118 §5: a WebSocket server never
   * opens connections, and its clients' Contacts are `.invalid`; RFC 5626 §5.1: `ob`). When such
   * a flow is gone the request fails (430, §5.3); otherwise the remote target is resolved as usual.
   */
  exclusive: boolean;
}

/**
 * The flow of a request received over a connection straight from its sender (one Via: nobody in
 * between, Kamailio's is_first_hop); undefined over UDP or through a proxy, where in-dialog
 * requests follow the route set and remote target (RFC 3261 §12.2.1.1) as before.
 */
export function inboundFlow(request: SipRequest, source: Target): Target | undefined {
  if (source.connectionId === undefined) return undefined;
  try {
    return request.via.length === 1 ? source : undefined;
  } catch {
    return undefined;
  }
}

/** A flow the response to a request we sent came back over: the connection it was sent on (§18.2.2). */
export function outboundFlow(target: Target): Target | undefined {
  return target.connectionId === undefined ? undefined : target;
}

/** Whether a remote target can be reached only over the flow (see DialogFlow.exclusive). */
export function onlyOverFlow(flow: Target, remoteTarget: Uri): boolean {
  if (flow.protocol === 'ws' || flow.protocol === 'wss') return true;
  if (remoteTarget.kind !== 'sip') return false;
  return remoteTarget.hostname.toLowerCase().endsWith('.invalid') || remoteTarget.params.has('ob');
}
