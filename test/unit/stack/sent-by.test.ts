import { describe, expect, it } from 'vitest';
import { SipStack } from '../../../src/sip/stack/index.js';
import type { Endpoint, TransportLayer } from '../../../src/sip/transport/index.js';

/** A stack over transports whose endpoints the test can change, as binding port 0 does. */
function stackOver(locals: Endpoint[], advertisedAddress?: string): SipStack {
  const transports = { transports: locals.map((local) => ({ local })) } as unknown as TransportLayer;
  return new SipStack({ transports, ...(advertisedAddress ? { advertisedAddress } : {}) });
}

describe('SipStack.sentBy (RFC 3261 §18.1.1: the address we listen on)', () => {
  it('answers per protocol and address family, IPv6 in brackets', () => {
    const stack = stackOver([
      { protocol: 'udp', address: '192.0.2.10', port: 5060 },
      { protocol: 'udp', address: '2001:db8::10', port: 5062 },
      { protocol: 'tcp', address: '192.0.2.10', port: 5061 },
    ]);
    expect(stack.sentBy('udp')).toEqual({ transport: 'UDP', host: '192.0.2.10', port: 5060 });
    expect(stack.sentBy('udp', true)).toEqual({ transport: 'UDP', host: '[2001:db8::10]', port: 5062 });
    expect(stack.sentBy('tcp')).toEqual({ transport: 'TCP', host: '192.0.2.10', port: 5061 });
    // No TCP over IPv6: the TCP transport there is, not another protocol's.
    expect(stack.sentBy('tcp', true)).toEqual({ transport: 'TCP', host: '192.0.2.10', port: 5061 });
  });

  it('hands out the same answer while it holds, a new one once the endpoint changes', () => {
    const local: Endpoint = { protocol: 'udp', address: '0.0.0.0', port: 0 };
    const stack = stackOver([local], '198.51.100.7');
    const first = stack.sentBy('udp');
    expect(first).toEqual({ transport: 'UDP', host: '198.51.100.7', port: 0 });
    expect(stack.sentBy('udp')).toBe(first);
    local.port = 40123; // bound
    expect(stack.sentBy('udp')).toEqual({ transport: 'UDP', host: '198.51.100.7', port: 40123 });
    expect(first.port).toBe(0);
  });
});
