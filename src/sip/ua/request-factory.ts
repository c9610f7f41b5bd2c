import { applyRouteSet } from '../dialog/index.js';
import {
  NameAddress,
  parseNameAddress,
  parseUri,
  randomToken,
  SipRequest,
  type SipUri,
  type Uri,
} from '../message/index.js';
import type { TransportProtocol } from '../transport/types.js';
import type { UaTransport } from './types.js';
import { addVia } from './via.js';

/** Methods whose out-of-dialog requests carry a Contact (RFC 3261 §8.1.1.8, RFC 6665, RFC 3515). */
const contactMethods = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'REGISTER', 'NOTIFY']);

export interface OutOfDialogRequestOptions {
  to: NameAddress | Uri | string;
  from: NameAddress | Uri | string;
  /** Defaults to the To URI (§8.1.1.1). */
  requestUri?: Uri | string;
  callId?: string;
  /** Defaults to 1 (§8.1.1.5). */
  cseq?: number;
  fromTag?: string;
  /** Our Contact; defaults to the transport's local contact (REGISTER sets its own). */
  contact?: NameAddress | Uri | string;
  /** A preloaded route set (outbound proxy, Service-Route, §8.1.1.1). */
  routes?: Array<NameAddress | Uri | string>;
  /** Extra headers, appended in order. */
  headers?: Array<[string, string]>;
  body?: Buffer | string;
  contentType?: string;
  /** Transport hint for the Via and Contact; the sender fits the Via to the real one. */
  protocol?: TransportProtocol;
}

export interface RequestDefaults {
  transport: UaTransport;
  allow: () => string[];
  supported: string[];
  userAgent?: string;
}

function toNameAddress(value: NameAddress | Uri | string): NameAddress {
  if (value instanceof NameAddress) return value.clone();
  if (typeof value === 'string') return parseNameAddress(value);
  return new NameAddress(value.clone());
}

function toUri(value: Uri | string): Uri {
  return typeof value === 'string' ? parseUri(value) : value.clone();
}

/** The default Contact: our reachable URI, sips when the target is (§8.1.1.8). */
function defaultContact(transport: UaTransport, requestUri: Uri, protocol?: TransportProtocol): SipUri {
  const contact = transport.localContact(protocol);
  if (requestUri.kind === 'sip' && requestUri.scheme === 'sips' && contact.scheme !== 'sips') {
    const copy = contact.clone();
    copy.scheme = 'sips';
    return copy;
  }
  return contact;
}

/**
 * Build a request outside any dialog (RFC 3261 §8.1.1): Request-URI, Route (preloaded set),
 * Via with a fresh branch, Max-Forwards 70, To without tag, From with a fresh tag, Call-ID, CSeq,
 * Contact for dialog-creating and registering methods, Allow/Supported on INVITE (§13.2.1).
 */
export function createOutOfDialogRequest(
  method: string,
  options: OutOfDialogRequestOptions,
  defaults: RequestDefaults,
): SipRequest {
  const to = toNameAddress(options.to);
  to.params.delete('tag');
  const from = toNameAddress(options.from);
  from.params.set('tag', options.fromTag ?? randomToken(8));
  const requestUri = options.requestUri !== undefined ? toUri(options.requestUri) : to.uri.clone();
  const request = new SipRequest(method, requestUri.toString());
  applyRouteSet(request, requestUri, (options.routes ?? []).map(toNameAddress));
  addVia(request, defaults.transport.via(options.protocol));
  request.append('max-forwards', '70');
  request.append('to', to.toString());
  request.append('from', from.toString());
  request.append('call-id', options.callId ?? randomToken(16));
  request.append('cseq', `${options.cseq ?? 1} ${method}`);
  if (contactMethods.has(method)) {
    const contact =
      options.contact !== undefined
        ? toNameAddress(options.contact)
        : new NameAddress(defaultContact(defaults.transport, requestUri, options.protocol));
    request.append('contact', contact.toString());
  }
  if (method === 'INVITE') {
    request.append('allow', defaults.allow().join(', '));
    if (defaults.supported.length > 0) request.append('supported', defaults.supported.join(', '));
  }
  if (defaults.userAgent) request.append('user-agent', defaults.userAgent);
  for (const [name, value] of options.headers ?? []) request.append(name, value);
  if (options.body !== undefined) {
    const body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
    request.setBody(body, options.contentType ?? 'application/sdp');
  }
  return request;
}

/**
 * The CANCEL for a request we sent (§9.1): same Request-URI, Call-ID, To, From, CSeq number and
 * Route set, and only the top Via with its branch, so it matches the INVITE's server transaction.
 */
export function createCancel(request: SipRequest, reason?: string): SipRequest {
  const cancel = new SipRequest('CANCEL', request.uriText);
  const topVia = request.getAll('via')[0];
  if (topVia !== undefined) cancel.append('via', topVia);
  cancel.append('max-forwards', '70');
  for (const name of ['to', 'from', 'call-id']) {
    const value = request.get(name);
    if (value !== undefined) cancel.append(name, value);
  }
  cancel.append('cseq', `${request.cseq.seq} CANCEL`);
  for (const route of request.getAll('route')) cancel.append('route', route);
  // RFC 3326: why the call was cancelled (e.g. `SIP;cause=200;text="Call completed elsewhere"`).
  if (reason !== undefined) cancel.append('reason', reason);
  return cancel;
}
