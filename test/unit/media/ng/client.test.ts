import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BencodeDict,
  type BencodeInput,
  decodeBencode,
  encodeBencode,
  NgClient,
  NgClosedError,
  NgError,
  NgProtocolError,
  NgTimeoutError,
  parseNgAddress,
} from '../../../../src/media/ng/index.js';

interface Received {
  cookie: string;
  message: BencodeDict;
  rinfo: RemoteInfo;
}

/** A fake ng server: records requests, answers with `reply` (or stays silent when it returns undefined). */
class FakeNgServer {
  readonly socket: Socket = createSocket('udp4');
  readonly received: Received[] = [];
  reply: (message: BencodeDict, count: number) => BencodeInput | Buffer | undefined = () => ({
    result: 'ok',
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    this.socket.on('message', (data, rinfo) => {
      const space = data.indexOf(0x20);
      const cookie = data.toString('latin1', 0, space);
      const message = decodeBencode(data.subarray(space + 1)) as BencodeDict;
      this.received.push({ cookie, message, rinfo });
      const answer = this.reply(message, this.received.filter((r) => r.cookie === cookie).length);
      if (answer === undefined) return;
      const body = Buffer.isBuffer(answer) ? answer : encodeBencode(answer);
      this.send(Buffer.concat([Buffer.from(`${cookie} `), body]), rinfo);
    });
    return `127.0.0.1:${(this.socket.address() as AddressInfo).port}`;
  }

  send(datagram: Buffer, to: RemoteInfo): void {
    this.socket.send(datagram, to.port, to.address);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

const text = (value: unknown) => (Buffer.isBuffer(value) ? value.toString() : value);

describe('parseNgAddress', () => {
  it('parses host:port and [v6]:port', () => {
    expect(parseNgAddress('127.0.0.1:2223')).toEqual({ host: '127.0.0.1', port: 2223, type: 'udp4' });
    expect(parseNgAddress('[::1]:2223')).toEqual({ host: '::1', port: 2223, type: 'udp6' });
    expect(parseNgAddress('rtpengine.local:22222')).toEqual({
      host: 'rtpengine.local',
      port: 22222,
      type: 'udp4',
    });
  });
  it('rejects what is not host:port', () => {
    for (const bad of ['127.0.0.1', ':2223', '127.0.0.1:0', 'a:70000', '::1:2223', '[x]:1', 'a b:1']) {
      expect(() => parseNgAddress(bad), bad).toThrow(TypeError);
    }
  });
});

describe('NgClient', () => {
  let server: FakeNgServer;
  let address: string;
  let client: NgClient;

  beforeEach(async () => {
    server = new FakeNgServer();
    address = await server.start();
    client = new NgClient(address, { timeoutMs: 60, attempts: 3 });
  });
  afterEach(async () => {
    await client.close();
    await server.close();
  });

  it('frames requests as COOKIE <bencode dict> with a unique cookie per request', async () => {
    server.reply = (m) => (text(m['command']) === 'ping' ? { result: 'pong' } : { result: 'ok', n: 1 });
    await client.ping();
    const reply = await client.request('list', { limit: 5 });
    await client.ping();
    expect(reply).toEqual({ result: 'ok', n: 1 });
    expect(server.received.map((r) => text(r.message['command']))).toEqual(['ping', 'list', 'ping']);
    expect(server.received[1]?.message['limit']).toBe(5);
    const cookies = server.received.map((r) => r.cookie);
    expect(new Set(cookies).size).toBe(3);
    for (const cookie of cookies) expect(cookie).toMatch(/^[0-9a-z_]+$/);
  });

  it('answers concurrent requests by cookie, whatever the reply order', async () => {
    const held: Array<() => void> = [];
    server.reply = (m, count) => {
      if (count > 1) return undefined;
      const r = server.received.at(-1)!;
      held.push(() =>
        server.send(
          Buffer.concat([
            Buffer.from(`${r.cookie} `),
            encodeBencode({ result: 'ok', echo: m['n'] as number }),
          ]),
          r.rinfo,
        ),
      );
      if (held.length === 3) for (const send of held.reverse()) send();
      return undefined;
    };
    const replies = await Promise.all([1, 2, 3].map((n) => client.request('echo', { n })));
    expect(replies.map((r) => r['echo'])).toEqual([1, 2, 3]);
  });

  it('retransmits the same datagram on timeout and succeeds on a late reply', async () => {
    server.reply = (_m, count) => (count < 3 ? undefined : { result: 'ok' });
    await expect(client.request('query', { 'call-id': 'x' })).resolves.toEqual({ result: 'ok' });
    expect(server.received).toHaveLength(3);
    expect(new Set(server.received.map((r) => r.cookie)).size).toBe(1);
    expect(client.stats.retransmissions).toBe(2);
  });

  it('rejects with NgTimeoutError after the last attempt', async () => {
    server.reply = () => undefined;
    const started = Date.now();
    const error = await client.request('offer').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NgTimeoutError);
    expect((error as NgTimeoutError).attempts).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(170);
    expect(server.received).toHaveLength(3);
    expect(client.stats.timeouts).toBe(1);
  });

  it('turns result error into NgError carrying the error-reason', async () => {
    server.reply = () => ({ result: 'error', 'error-reason': 'Unknown call-ID' });
    const error = await client.subscribeRequest({ callId: 'nope', flags: ['all'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NgError);
    expect((error as NgError).reason).toBe('Unknown call-ID');
    expect((error as NgError).command).toBe('subscribe request');
    expect(client.stats.errors).toBe(1);
  });

  it('treats another non-ok result as an NgError naming it', async () => {
    server.reply = () => ({ result: 'load limit' });
    await expect(client.request('offer')).rejects.toMatchObject({ name: 'NgError', reason: 'load limit' });
  });

  it('ignores and counts stray and garbled datagrams, then takes the real reply', async () => {
    server.reply = (_m, count) => {
      const r = server.received.at(-1)!;
      if (count > 1) return { result: 'ok', real: 1 };
      server.send(Buffer.from('nospace'), r.rinfo);
      server.send(Buffer.from(`${'x'.repeat(100)} d6:result2:oke`), r.rinfo);
      server.send(Buffer.from('unknowncookie d6:result2:oke'), r.rinfo);
      server.send(Buffer.from(`${r.cookie} d6:result`), r.rinfo); // truncated bencode
      server.send(Buffer.from(`${r.cookie} l2:oke`), r.rinfo); // not a dict
      return undefined; // the retransmission gets the real answer
    };
    await expect(client.request('query')).resolves.toEqual({ result: 'ok', real: 1 });
    expect(client.stats.stray).toBe(1);
    expect(client.stats.garbled).toBe(4);
    expect(client.stats.replies).toBe(1);
  });

  it('counts replies from another port as stray', async () => {
    const other = createSocket('udp4');
    await new Promise<void>((resolve) => other.bind(0, '127.0.0.1', resolve));
    server.reply = (_m, count) => {
      const r = server.received.at(-1)!;
      if (count === 1) other.send(Buffer.from(`${r.cookie} d6:result2:oke`), r.rinfo.port, r.rinfo.address);
      return count === 1 ? undefined : { result: 'ok' };
    };
    await client.request('query');
    expect(client.stats.stray).toBe(1);
    expect(server.received).toHaveLength(2);
    await new Promise<void>((resolve) => other.close(() => resolve()));
  });

  it('close() rejects pending requests with NgClosedError, and later ones too', async () => {
    server.reply = () => undefined;
    const pending = client.request('offer');
    await new Promise((r) => setTimeout(r, 10));
    await client.close();
    await expect(pending).rejects.toBeInstanceOf(NgClosedError);
    await expect(client.ping()).rejects.toBeInstanceOf(NgClosedError);
    await client.close(); // idempotent
  });

  it('builds the typed commands with rtpengine key names and parses their replies', async () => {
    server.reply = (m) => {
      switch (text(m['command'])) {
        case 'offer':
        case 'answer':
          return { result: 'ok', sdp: 'v=0\r\n' };
        case 'subscribe request':
          return {
            sdp: 'v=0\r\nm=audio 1 RTP/AVP 0\r\na=label:1\r\n',
            'from-tags': ['A', 'B'],
            'tag-medias': [
              { tag: 'A', medias: [{ index: 1, type: 'audio', label: '1', mode: 'sendrecv' }] },
              { tag: 'B', medias: [{ index: 1, type: 'audio', label: '0', mode: 'sendrecv' }] },
            ],
            'media-labels': {
              '0': { tag: 'B', index: 1, type: 'audio', mode: 'sendrecv' },
              '1': { tag: 'A', index: 1, type: 'audio', mode: 'sendrecv' },
            },
            'to-tag': 'sub1',
            result: 'ok',
          };
        default:
          return { result: 'ok' };
      }
    };
    const offer = await client.offer({ callId: 'c', fromTag: 'A', sdp: 'v=0', replace: ['origin'] });
    expect(offer.sdp).toBe('v=0\r\n');
    await client.answer({ callId: 'c', fromTag: 'A', toTag: 'B', sdp: 'v=0' });
    const sub = await client.subscribeRequest({ callId: 'c', flags: ['all', 'siprec'] });
    await client.subscribeAnswer({ callId: 'c', toTag: sub.toTag, sdp: 'v=0' });
    await client.unsubscribe({ callId: 'c', toTag: sub.toTag });
    await client.delete({ callId: 'c' });

    expect(sub).toMatchObject({
      toTag: 'sub1',
      fromTags: ['A', 'B'],
      tagMedias: [
        { tag: 'A', medias: [{ index: 1, type: 'audio', label: '1', mode: 'sendrecv' }] },
        { tag: 'B', medias: [{ index: 1, type: 'audio', label: '0', mode: 'sendrecv' }] },
      ],
      mediaLabels: { '0': { tag: 'B', index: 1 }, '1': { tag: 'A', index: 1 } },
    });
    const sent = server.received.map((r) =>
      Object.fromEntries(
        Object.entries(r.message).map(([k, v]) => [k, Array.isArray(v) ? v.map(text) : text(v)]),
      ),
    );
    expect(sent).toEqual([
      { command: 'offer', 'call-id': 'c', 'from-tag': 'A', sdp: 'v=0', replace: ['origin'] },
      { command: 'answer', 'call-id': 'c', 'from-tag': 'A', 'to-tag': 'B', sdp: 'v=0' },
      { command: 'subscribe request', 'call-id': 'c', flags: ['all', 'siprec'] },
      { command: 'subscribe answer', 'call-id': 'c', 'to-tag': 'sub1', sdp: 'v=0' },
      { command: 'unsubscribe', 'call-id': 'c', 'to-tag': 'sub1' },
      { command: 'delete', 'call-id': 'c' },
    ]);
  });

  it('rejects an ok reply lacking what the command promises with NgProtocolError', async () => {
    server.reply = () => ({ result: 'ok' });
    await expect(client.subscribeRequest({ callId: 'c', flags: ['all'] })).rejects.toBeInstanceOf(
      NgProtocolError,
    );
    await expect(client.offer({ callId: 'c', fromTag: 'A', sdp: 'v=0' })).rejects.toBeInstanceOf(
      NgProtocolError,
    );
  });
});
