import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../src/sip/parser/index.js';
import { SipStack } from '../../../src/sip/stack/index.js';
import type { TransportLayer } from '../../../src/sip/transport/index.js';

const OPTIONS = Buffer.from(
  'OPTIONS sip:x@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKd1\r\nMax-Forwards: 70\r\n' +
    'From: <sip:a@192.0.2.9>;tag=1\r\nTo: <sip:x@192.0.2.1>\r\nCall-ID: d1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
);

describe('destinations the stack never sends to (RFC 4475 §3.3.10)', () => {
  const sentTo: string[] = [];
  const transports = {
    transports: [{ local: { protocol: 'udp', address: '192.0.2.1', port: 5060 } }],
    send: async (_data: Buffer, destination: { address: string }) => {
      sentTo.push(destination.address);
    },
  } as unknown as TransportLayer;
  const stack = new SipStack({ transports });
  const send = (address: string) =>
    stack.sendStateless(parseMessage(OPTIONS), { protocol: 'udp', address, port: 5060 }).then(
      () => 'sent',
      () => 'refused',
    );

  it('refuses multicast (224-239 first octet) and the broadcast and any addresses', async () => {
    for (const address of ['224.0.0.1', '239.255.255.250', '255.255.255.255', '0.0.0.0'])
      expect(await send(address), address).toBe('refused');
    expect(sentTo).toEqual([]);
    expect(stack.counters.messagesDropped).toBe(4);
  });

  it('refuses IPv6 multicast (ff00::/8), the unspecified address and mapped IPv4 multicast', async () => {
    for (const address of [
      'ff02::1',
      'FF05::1:3',
      'ff0e::101',
      '::',
      '::ffff:224.0.0.1',
      '::FFFF:255.255.255.255',
    ])
      expect(await send(address), address).toBe('refused');
    expect(sentTo).toEqual([]);
    expect(stack.counters.messagesDropped).toBe(10);
  });

  it('sends to unicast IPv4 just outside that range, to IPv6 and to names', async () => {
    const unicast = [
      '223.255.255.255',
      '240.0.0.1',
      '22.4.0.1',
      '2.0.0.1',
      '2001:db8::1',
      'ff::1',
      'fe80::1',
      '::1',
      '::ffff:192.0.2.7',
      '64:ff9b::224.0.0.1',
      'host.invalid',
    ];
    for (const address of unicast) expect(await send(address), address).toBe('sent');
    expect(sentTo).toEqual(unicast);
  });
});
