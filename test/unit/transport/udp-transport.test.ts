import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { nativeUdpModule } from '../../../src/native/index.js';
import { stunBindingSuccess, UdpTransport } from '../../../src/sip/transport/index.js';
import { canBind, delay, Recorder, sipMessage } from './helpers.js';

const hasIpv6 = await canBind('::1');
const nativeMissing = nativeUdpModule() === undefined && process.env.SWITCHBOARD_REQUIRE_PEERS !== '1';
const paths = [
  { batching: false, kind: 'dgram', name: 'node:dgram', skip: false },
  {
    batching: true,
    kind: 'batch',
    name: nativeMissing
      ? 'batched: skipped, native module not built (npm install with make, g++, python3)'
      : 'batched',
    skip: nativeMissing,
  },
] as const;

describe.each(paths)('UdpTransport over $name', ({ batching, kind, skip }) => {
  if (skip) {
    it.skip('needs the native module', () => {});
    return;
  }
  const open: UdpTransport[] = [];
  const sockets: dgram.Socket[] = [];

  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
    for (const s of sockets.splice(0)) s.close();
  });

  async function start(host: string, maxMessageSize?: number): Promise<[UdpTransport, Recorder]> {
    const recorder = new Recorder();
    const t = new UdpTransport({ host, port: 0, maxMessageSize, handlers: recorder, batching });
    open.push(t);
    await t.listen();
    expect(t.ioKind).toBe(kind);
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
    const clash = new UdpTransport({ host: '127.0.0.1', port: t.local.port, batching });
    await expect(clash.listen()).rejects.toThrow(/EADDRINUSE/);
    // And it can listen once the port is free.
    await t.close();
    await clash.listen();
    open.push(clash);
  });

  it('drops a datagram over 64 KiB - 1 cut by the receive slot as oversize, with its head and real length', async () => {
    // 65,000 octets with the default limit (65,507) arrive whole; over maxMessageSize they are cut.
    const [t, rec] = await start('127.0.0.1', 20_000);
    const sender = dgram.createSocket('udp4');
    sockets.push(sender);
    const big = sipMessage('MESSAGE sip:b@127.0.0.1 SIP/2.0', 'y'.repeat(65_000 - 200));
    sender.send(big, t.local.port, '127.0.0.1');
    sender.send(sipMessage('OPTIONS sip:b@127.0.0.1 SIP/2.0'), t.local.port, '127.0.0.1');
    await rec.until(() => rec.drops.length === 1 && rec.packets.length === 1);
    const drop = rec.drops[0]!;
    expect(drop.detail).toBe(`${big.length} octets exceed 20000`);
    expect(drop.head?.toString()).toBe(big.subarray(0, big.indexOf('\r\n\r\n') + 4).toString());
  });

  it('hands truncated and garbage datagrams on as they are (the parser answers them), and empty ones not at all', async () => {
    const [t, rec] = await start('127.0.0.1');
    const sender = dgram.createSocket('udp4');
    sockets.push(sender);
    const whole = sipMessage('OPTIONS sip:b@127.0.0.1 SIP/2.0');
    sender.send(whole.subarray(0, 30), t.local.port, '127.0.0.1');
    sender.send(Buffer.alloc(0), t.local.port, '127.0.0.1');
    sender.send(Buffer.from([0, 255, 1, 2]), t.local.port, '127.0.0.1');
    await rec.until(() => rec.packets.length === 2);
    await delay(20);
    expect(rec.packets.map((p) => p.data)).toEqual([whole.subarray(0, 30), Buffer.from([0, 255, 1, 2])]);
  });

  it('sends many datagrams to many peers in one turn, each to its own peer', async () => {
    const [a] = await start('127.0.0.1');
    const peers = await Promise.all(Array.from({ length: 20 }, () => start('127.0.0.1')));
    for (let round = 0; round < 10; round++)
      for (const [p] of peers) void a.send(sipMessage(`OPTIONS sip:${round}@127.0.0.1 SIP/2.0`), p.local);
    for (const [p, rec] of peers) {
      await rec.until(() => rec.packets.length === 10);
      expect(rec.packets.every((x) => x.source.port === a.local.port && x.local.port === p.local.port)).toBe(
        true,
      );
    }
    expect(a.sendFailures.size).toBe(0);
  });

  // node:dgram loses this datagram without a word (its address lookup fails for the socket's family).
  it.skipIf(kind === 'dgram')(
    'reports a datagram the kernel refuses as a socket-error drop and counts it, without throwing',
    async () => {
      const [t, rec] = await start('127.0.0.1');
      // An IPv6 destination from an IPv4 socket cannot go out (EAFNOSUPPORT).
      const sent = t.send(Buffer.from('x'), { protocol: 'udp', address: '::1', port: 5060 });
      await sent.catch(() => {});
      await rec.until(() => rec.drops.length === 1);
      expect(rec.drops[0]!.reason).toBe('socket-error');
      expect(rec.drops[0]!.detail).toBe('send to ::1 port 5060: EAFNOSUPPORT');
      expect(Object.fromEntries(t.sendFailures)).toEqual({ EAFNOSUPPORT: 1 });
    },
  );

  it.skipIf(!hasIpv6)('answers IPv4 peers on a dual-stack socket with their IPv4 address', async () => {
    const [t, rec] = await start('::');
    const peer = dgram.createSocket('udp4');
    sockets.push(peer);
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', r));
    const got = new Promise<Buffer>((r) => peer.once('message', r));
    peer.send(sipMessage('OPTIONS sip:b@127.0.0.1 SIP/2.0'), t.local.port, '127.0.0.1');
    await rec.until(() => rec.packets.length === 1);
    expect(rec.packets[0]!.source).toEqual({
      protocol: 'udp',
      address: '127.0.0.1',
      port: peer.address().port,
    });
    await t.send(Buffer.from('SIP/2.0 200 OK\r\n\r\n'), rec.packets[0]!.source);
    expect((await got).toString()).toBe('SIP/2.0 200 OK\r\n\r\n');
  });

  it('answers a STUN Binding request on the SIP port with the mapped address', async () => {
    const [t, rec] = await start('127.0.0.1');
    const peer = dgram.createSocket('udp4');
    sockets.push(peer);
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', r));
    // RFC 5389 §6: type 0x0001, length 0, magic cookie, 12-octet transaction id.
    const request = Buffer.concat([Buffer.from('000100002112a442', 'hex'), Buffer.alloc(12, 7)]);
    const got = new Promise<Buffer>((r) => peer.once('message', r));
    peer.send(request, t.local.port, '127.0.0.1');
    expect(await got).toEqual(stunBindingSuccess(request, '127.0.0.1', peer.address().port));
    expect(t.stunAnswered).toBe(1);
    expect(rec.packets).toEqual([]);
  });
});
