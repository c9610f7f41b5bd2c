import type { SipRequest } from '../sip/message/index.js';
import type { ProxyStack } from '../sip/proxy/index.js';

/**
 * The final status of chosen branches, as each one ends. The proxy core hands its failure hook
 * only the best response of all branches so far (RFC 3261 §16.7 step 6), which after a 408 from
 * one gateway and a 486 from the next is still the 408; failover must know the last gateway's own
 * answer. A branch is watched from its `prepare` hook (it names the copy about to be sent); the
 * stack given to the proxy core reports that copy's first final response, or 408 (Timer B) or
 * 503 (transport error). A branch the core gave up by itself (noReplyTimeout) reports nothing.
 */
export class BranchOutcomes {
  private readonly watched = new WeakMap<SipRequest, (status: number) => void>();

  watch(copy: SipRequest, onFinal: (status: number) => void): void {
    this.watched.set(copy, onFinal);
  }

  /** The stack for the proxy core: the same, with watched branches reported. */
  observe(stack: ProxyStack): ProxyStack {
    return {
      sendRequest: (request, target, handlers) => {
        const report = this.watched.get(request);
        if (report === undefined) return stack.sendRequest(request, target, handlers);
        this.watched.delete(request);
        let reported = false;
        const once = (status: number) => {
          if (reported) return;
          reported = true;
          report(status);
        };
        return stack.sendRequest(request, target, {
          onResponse: (response, transaction) => {
            if (response.status >= 200) once(response.status);
            handlers.onResponse(response, transaction);
          },
          onTimeout: (transaction) => {
            once(408);
            handlers.onTimeout?.(transaction);
          },
          onTransportError: (error, transaction) => {
            once(503);
            handlers.onTransportError?.(error, transaction);
          },
        });
      },
      sendStateless: (message, target) => stack.sendStateless(message, target),
      resolve: (uri) => stack.resolve(uri),
      sentBy: (protocol, ipv6) => stack.sentBy(protocol, ipv6),
      isLocalUri: (uri) => stack.isLocalUri(uri),
    };
  }
}
