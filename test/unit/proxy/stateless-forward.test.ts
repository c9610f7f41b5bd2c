import { describe, expect, it } from 'vitest';
import { StatelessForwarder } from '../../../src/sip/proxy/index.js';
import { flush, invite, LiteralStack } from './fakes.js';

const inbound = { protocol: 'udp' as const, address: '192.0.2.1', port: 5060 };

describe('StatelessForwarder (RFC 3261 §16.11)', () => {
  it('sends to an IP literal in the same turn, so a 2xx ACK stays ahead of the BYE after it', () => {
    const stack = new LiteralStack();
    const forwarder = new StatelessForwarder(stack, false);
    const ack = invite();
    ack.method = 'ACK';
    ack.set('cseq', '1 ACK');
    void forwarder.forwardRequest(ack, inbound, { protocol: 'udp', address: '192.0.2.20', port: 5070 });
    void forwarder.forwardRequest(invite(), inbound);
    expect(stack.stateless.map((s) => s.target.address)).toEqual(['192.0.2.20']);
  });

  it('waits for DNS for a name, and reports what cannot be forwarded as a rejection', async () => {
    const stack = new LiteralStack();
    const forwarder = new StatelessForwarder(stack, false);
    const sent = forwarder.forwardRequest(invite(), inbound);
    expect(stack.stateless).toHaveLength(0);
    await sent;
    expect(stack.stateless.map((s) => s.target.address)).toEqual(['192.0.2.99']);
    const tel = invite();
    tel.set('route', '<tel:+15550100>');
    await expect(forwarder.forwardRequest(tel, inbound)).rejects.toThrow();
    await flush();
  });
});
