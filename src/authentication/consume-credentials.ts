import type { SipRequest } from '../sip/message/index.js';

/**
 * Remove the Proxy-Authorization values for `realm` once this proxy accepted them: they were
 * meant for us (RFC 3261 §22.3), and the next hops must not see our subscriber's answer.
 */
export function consumeCredentials(request: SipRequest, realm: string): void {
  const values = request.getAll('proxy-authorization');
  if (values.length === 0) return;
  const kept = values.filter((v) => realmOf(v) !== realm);
  request.remove('proxy-authorization');
  for (const v of kept) request.append('Proxy-Authorization', v);
}

function realmOf(credentials: string): string | undefined {
  const m = /realm\s*=\s*"([^"]*)"/i.exec(credentials);
  return m?.[1]?.toLowerCase();
}
