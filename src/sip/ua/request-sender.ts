import { type DialogFlow, outboundFlow, requestNextHop } from '../dialog/index.js';
import { createResponse, type SipRequest, type SipResponse } from '../message/index.js';
import type { ClientTransaction } from '../transaction/types.js';
import type { Target } from '../transport/types.js';
import type { ErrorSink, ResponseCallbacks, SendOptions, UaTransport } from './types.js';
import { fitTopVia } from './via.js';

/**
 * A response the UAC core makes up for a failure below it (§8.1.3.1): 408 timeout, 503 transport,
 * 430 a dialog's only flow gone (RFC 5626 §5.3, §11.5).
 */
export function syntheticResponse(
  request: SipRequest,
  status: 408 | 430 | 503,
  reason?: string,
): SipResponse {
  return createResponse(request, status, reason);
}

/**
 * Where an in-dialog request goes over its dialog's flow: the flow while its connection is open;
 * 'failed' when it is gone and the peer is reachable no other way; undefined to resolve as usual
 * (no flow, or a gone one whose remote target can be connected to: RFC 3261 §18.1.1).
 */
export function flowTarget(
  transport: UaTransport,
  flow: DialogFlow | undefined,
): Target | 'failed' | undefined {
  if (!flow) return undefined;
  if (transport.flowAlive?.(flow.target) ?? true) return flow.target;
  return flow.exclusive ? 'failed' : undefined;
}

/**
 * Resolve the next hop, fit the Via to the chosen transport and send the request through a client
 * transaction, turning timeouts and transport failures into synthetic final responses. Resolves
 * with the transaction, or undefined when the request never left (the 503 is already reported).
 */
export async function sendThroughTransaction(
  transport: UaTransport,
  request: SipRequest,
  callbacks: ResponseCallbacks,
  options: SendOptions,
  onError: ErrorSink,
): Promise<ClientTransaction | undefined> {
  let finalSeen = false;
  let flow: Target | undefined;
  const final = (response: SipResponse): void => {
    if (finalSeen) return;
    finalSeen = true;
    callbacks.onFinal?.(response, flow);
  };
  const overFlow = flowTarget(transport, options.flow);
  if (overFlow === 'failed') {
    final(syntheticResponse(request, 430, 'Flow Failed'));
    return undefined;
  }
  let target: Target;
  try {
    target =
      options.target ?? overFlow ?? (await transport.resolve(options.nextHop ?? requestNextHop(request)));
  } catch (error) {
    onError(error, `resolve ${request.method}`);
    final(syntheticResponse(request, 503, 'Service Unavailable - Next Hop Unresolvable'));
    return undefined;
  }
  flow = outboundFlow(target);
  if (!options.target) fitTopVia(request, transport.via(target.protocol));
  if (!request.has('max-forwards')) request.append('max-forwards', '70');
  try {
    return transport.sendRequest(request, target, {
      onResponse(response) {
        if (response.status < 200) {
          if (!finalSeen) callbacks.onProvisional?.(response, flow);
        } else if (!finalSeen) final(response);
        else if (response.status < 300) callbacks.onLate2xx?.(response, flow);
      },
      onTimeout() {
        final(syntheticResponse(request, 408));
      },
      onTransportError(error) {
        onError(error, `send ${request.method}`);
        final(syntheticResponse(request, 503));
      },
    });
  } catch (error) {
    onError(error, `send ${request.method}`);
    final(syntheticResponse(request, 503));
    return undefined;
  }
}
