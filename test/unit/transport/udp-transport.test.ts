import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { UdpTransport } from '../../../src/sip/transport/index.js';
import { canBind, delay, Recorder, sipMessage } from './helpers.js';

const hasIpv6 = await canBind('::1');

describe('UdpTransport', () => {
  const open: UdpTransport[] = [];
  const sockets: dgram.Socket[] = [];

  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
    for (const s of sockets.splice(0)) s.close();
  });

  async function start(host: string, maxMessageSize?: number): Promise<[UdpTransport, Recorder]> {
    const recorder = new Recorder();
    const t = new UdpTransport({ host, port: 0, maxMessageSize, handlers: recorder });
    open.push(t);
    await t.listen();
    return [t, recorder];
  }

  async function exchange(host: string): Promise<void> {
    const [a, aRec] = await start(host);
    const [b, bRec] = await start(host);
    expect(a.local.port).toBeGreaterThan(0);
    const request = sipMessage(`OPTIONS sip:b@${host.includes(':') ? `[${host}]` : host} SIP/2.0`);
    await a.send(request, b.local);
    await bRec.until(() => bRec.packets.length === 1);
    const packet = bRec.packets[0]!;
    expect(packet.data).toEqual(request);
    expect(packet.source).toEqual({ protocol: 'udp', address: host, port: a.local.port });
    expect(packet.local).toEqual(b.local);
    expect(packet.connectionId).toBeUndefined();
    // And back to where it came from.
    await b.send(Buffer.from('SIP/2.0 200 OK\r\n\r\n'), packet.source);
    await aRec.until(() => aRec.packets.length === 1);
    expect(aRec.packets[0]!.source.port).toBe(b.local.port);
  }

  it('sends and receives over IPv4', () => exchange('127.0.0.1'));

  it.skipIf(!hasIpv6)('sends and receives over IPv6', () => exchange('::1'));

  it('drops and reports an oversize datagram with its head', async () => {
    const [t, rec] = await start('127.0.0.1', 1000);
    const sender = dgram.createSocket('udp4');
    sockets.push(sender);
    const big = sipMessage('MESSAGE sip:b@127.0.0.1 SIP/2.0', 'x'.repeat(2000));
    sender.send(big, t.local.port, '127.0.0.1');
    await rec.until(() => rec.drops.length === 1);
    expect(rec.packets).toEqual([]);
    const drop = rec.drops[0]!;
    expect(drop.reason).toBe('oversize');
    expect(drop.source.port).toBe(sender.address().port);
    expect(drop.head?.toString()).toBe(big.subarray(0, big.indexOf('\r\n\r\n') + 4).toString());
  });

  it('ignores CRLF keep-alive datagrams', async () => {
    const [t, rec] = await start('127.0.0.1');
    const sender = dgram.createSocket('udp4');
    sockets.push(sender);
    sender.send(Buffer.from('\r\n\r\n'), t.local.port, '127.0.0.1');
    sender.send(sipMessage('OPTIONS sip:b@127.0.0.1 SIP/2.0'), t.local.port, '127.0.0.1');
    await rec.until(() => rec.packets.length === 1);
    await delay(20);
    expect(rec.packets.length).toBe(1);
    expect(rec.drops).toEqual([]);
  });

  it('rejects a send that cannot go out instead of throwing', async () => {
    const [t] = await start('127.0.0.1');
    await expect(
      t.send(Buffer.alloc(70_000), { protocol: 'udp', address: '127.0.0.1', port: 9 }),
    ).rejects.toThrow();
    await t.close();
    await expect(t.send(Buffer.from('x'), t.local)).rejects.toThrow(/not listening/);
  });

  it('refuses to bind a port in use', async () => {
    const [t] = await start('127.0.0.1');
    const clash = new UdpTransport({ host: '127.0.0.1', port: t.local.port });
    await expect(clash.listen()).rejects.toThrow(/EADDRINUSE/);
  });
});
