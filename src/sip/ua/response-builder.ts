import { createResponse, type SipRequest, type SipResponse, type Uri } from '../message/index.js';
import type { ResponseOptions } from './session-types.js';

/** Dialog-creating and target-refresh responses carry Contact and Record-Route (§12.1.1, §13.3.1). */
export interface ResponseExtras {
  toTag?: string;
  contact?: Uri;
  copyRecordRoute?: boolean;
  allow?: string[];
}

/** Build a UAS response with optional body and headers (RFC 3261 §8.2.6). */
export function buildResponse(
  request: SipRequest,
  status: number,
  options: ResponseOptions,
  extras: ResponseExtras = {},
): SipResponse {
  const response = createResponse(request, status, options.reason, extras.toTag);
  // §12.1.1: the UAS copies Record-Route into every dialog-creating response, in order.
  if (extras.copyRecordRoute && status > 100 && status < 300) {
    for (const value of request.getAll('record-route')) response.append('record-route', value);
  }
  if (extras.contact && status > 100 && status < 300) response.append('contact', `<${extras.contact}>`);
  if (extras.allow && status >= 200 && status < 300) response.append('allow', extras.allow.join(', '));
  for (const [name, value] of options.headers ?? []) response.append(name, value);
  if (options.body !== undefined) {
    const body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
    response.setBody(body, options.contentType ?? 'application/sdp');
  }
  return response;
}
