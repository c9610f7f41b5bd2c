import type { Binding } from '../../location/index.js';
import type { SipRequest } from '../../sip/message/index.js';
import { parseUri } from '../../sip/message/index.js';
import type { ClientTransactionHandlers } from '../../sip/transaction/index.js';
import type { Endpoint, Target } from '../../sip/transport/index.js';
import type { UserAgentCore } from '../../sip/ua/index.js';
import type { KeepalivePing } from './keepalive.js';

/** Sends a request through a client transaction (SipStack.sendRequest). */
export type SendRequest = (
  request: SipRequest,
  target: Target,
  handlers: ClientTransactionHandlers,
) => unknown;

/**
 * OPTIONS keep-alive (nathelper's sipping): an out-of-dialog OPTIONS (RFC 3261 §11) from the node
 * to the registered contact, sent to where the REGISTER came from. Any response is an answer;
 * no response within `timeoutMs` (shorter than Timer F's 32 s, which would outlast the interval)
 * or a transport error is a failure.
 */
export function optionsPing(
  core: UserAgentCore,
  send: SendRequest,
  timeoutMs: number,
  fromUser = 'switchboard',
): KeepalivePing {
  return (binding: Binding) =>
    new Promise<boolean>((resolve) => {
      const { protocol, address, port, connectionId } = binding.source;
      const local = core.transport.localContact(protocol);
      const request = core.createRequest('OPTIONS', {
        requestUri: parseUri(binding.contact),
        to: parseUri(binding.aor),
        from: `sip:${fromUser}@${local.host}${local.port === undefined ? '' : `:${local.port}`}`,
        protocol,
      });
      let done = false;
      const finish = (answered: boolean): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(answered);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      timer.unref();
      const target: Target = connectionId
        ? { protocol, address, port, connectionId }
        : { protocol, address, port };
      try {
        send(request, target, {
          onResponse: () => finish(true),
          onTimeout: () => finish(false),
          onTransportError: () => finish(false),
        });
      } catch {
        finish(false);
      }
    });
}

/** The double CRLF keep-alive ping of RFC 5626 §3.5.1 over a stream connection. */
const CRLF_PING = Buffer.from('\r\n\r\n');

/** Sends raw bytes on a transport (TransportLayer.send). */
export type SendRaw = (data: Buffer, destination: Endpoint, connectionId?: string) => Promise<void>;

/**
 * CRLF keep-alive over TCP/TLS/WS (RFC 5626 §3.5.1): it refreshes the NAT's idle timer for the
 * connection. Only the send is checked: a connection that is gone (the NAT or the phone dropped
 * it) fails, which is what ends its binding.
 */
export function crlfPing(send: SendRaw): KeepalivePing {
  return async (binding: Binding) => {
    const { protocol, address, port, connectionId } = binding.source;
    if (connectionId === undefined) return false;
    try {
      await send(CRLF_PING, { protocol, address, port }, connectionId);
      return true;
    } catch {
      return false;
    }
  };
}
