import { afterEach, describe, expect, it } from 'vitest';
import {
  formatHostPort,
  TcpTransport,
  TransportLayer,
  UdpTransport,
} from '../../../src/sip/transport/index.js';
import { canBind, Recorder, sipMessage } from './helpers.js';

const hasIpv6 = await canBind('::1');

describe('formatHostPort', () => {
  it('brackets IPv6 addresses only', () => {
    expect(formatHostPort('192.0.2.1', 5060)).toBe('192.0.2.1:5060');
    expect(formatHostPort('2001:db8::1', 5061)).toBe('[2001:db8::1]:5061');
  });
});

describe('TransportLayer', () => {
  const layers: TransportLayer[] = [];
  afterEach(async () => {
    await Promise.all(layers.splice(0).map((l) => l.close()));
  });

  async function layer(hosts: string[]): Promise<[TransportLayer, Recorder]> {
    const recorder = new Recorder();
    const l = new TransportLayer(recorder);
    layers.push(l);
    for (const host of hosts) {
      l.add(new UdpTransport({ host, port: 0, maxMessageSize: 1000 }));
      l.add(new TcpTransport({ host, port: 0 }));
    }
    await l.listen();
    return [l, recorder];
  }

  const local = (l: TransportLayer, protocol: string, v6 = false) =>
    l.transports.find((t) => t.protocol === protocol && t.local.address.includes(':') === v6)!.local;

  it('picks the transport by protocol and forwards packets and drops', async () => {
    const [a, aRec] = await layer(['127.0.0.1']);
    const [b, bRec] = await layer(['127.0.0.1']);
    const request = sipMessage('OPTIONS sip:b@127.0.0.1 SIP/2.0');
    await a.send(request, local(b, 'udp'));
    await a.send(request, local(b, 'tcp'));
    await bRec.until(() => bRec.packets.length === 2);
    expect(bRec.packets.map((p) => p.source.protocol).sort()).toEqual(['tcp', 'udp']);

    // The reply over TCP goes back through the connection it came on.
    const tcp = bRec.packets.find((p) => p.source.protocol === 'tcp')!;
    await b.send(Buffer.from('SIP/2.0 200 OK\r\nl: 0\r\n\r\n'), tcp.source, tcp.connectionId);
    await aRec.until(() => aRec.packets.length === 1);

    await a.send(sipMessage('MESSAGE sip:b@127.0.0.1 SIP/2.0', 'x'.repeat(2000)), local(b, 'udp'));
    await bRec.until(() => bRec.drops.length === 1);
    expect(b.drops).toEqual({ oversize: 1, framing: 0, 'socket-error': 0 });
  });

  it('rejects a send for which no transport fits', async () => {
    const [a] = await layer(['127.0.0.1']);
    await expect(
      a.send(Buffer.from('x'), { protocol: 'tls', address: '127.0.0.1', port: 5061 }),
    ).rejects.toThrow(/no tls transport/);
  });

  it('closes what it started when one transport cannot listen', async () => {
    const [a] = await layer(['127.0.0.1']);
    const clash = new TransportLayer({ onPacket() {} });
    const free = new UdpTransport({ host: '127.0.0.1', port: 0 });
    clash.add(free);
    clash.add(new UdpTransport({ host: '127.0.0.1', port: local(a, 'udp').port }));
    await expect(clash.listen()).rejects.toThrow(/EADDRINUSE/);
    await expect(free.send(Buffer.from('x'), local(a, 'udp'))).rejects.toThrow(/not listening/);
  });

  it.skipIf(!hasIpv6)('picks the transport of the destination address family', async () => {
    const [a] = await layer(['127.0.0.1', '::1']);
    const [b, bRec] = await layer(['127.0.0.1', '::1']);
    const request = sipMessage('OPTIONS sip:b@example.com SIP/2.0');
    await a.send(request, local(b, 'udp', true));
    await a.send(request, local(b, 'udp', false));
    await bRec.until(() => bRec.packets.length === 2);
    expect(bRec.packets.map((p) => p.source.address).sort()).toEqual(['127.0.0.1', '::1']);
    expect(bRec.packets.map((p) => p.local.address).sort()).toEqual(['127.0.0.1', '::1']);
  });
});
