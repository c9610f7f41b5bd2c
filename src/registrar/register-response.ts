import type { Binding } from '../location/index.js';
import { createResponse, type SipRequest, type SipResponse } from '../sip/message/index.js';

/**
 * RFC 3261 §10.3 step 8: 200 listing every current binding with its remaining interval, and a
 * Date. RFC 3327 §5.3: the Path of the request echoed when the UA supports it. RFC 5626 §6: the
 * instance and reg-id given back on the contacts that carried them.
 */
export function registerOk(
  request: SipRequest,
  bindings: readonly Binding[],
  now: number,
  path: readonly string[],
): SipResponse {
  const response = createResponse(request, 200);
  for (const b of bindings) response.append('Contact', contactValue(b, now));
  if (path.length > 0 && supportsPath(request)) for (const p of path) response.append('Path', p);
  response.set('Date', new Date(now).toUTCString());
  return response;
}

function contactValue(b: Binding, now: number): string {
  const left = Math.max(0, Math.ceil((b.expiresAt - now) / 1000));
  let value = `<${b.contact}>;expires=${left}`;
  if (b.q !== 1) value += `;q=${b.q}`;
  if (b.instanceId !== undefined) value += `;+sip.instance=${b.instanceId}`;
  if (b.regId !== undefined) value += `;reg-id=${b.regId}`;
  return value;
}

function supportsPath(request: SipRequest): boolean {
  return request.getAll('supported').some((t) => t.toLowerCase() === 'path');
}
