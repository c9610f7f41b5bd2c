import { createSocket, type Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltinMediaRelay, createBuiltinMediaRelay } from '../../src/media/relay/index.js';
import { until } from '../support/until.js';
import { allocatePorts } from './ports.js';
import { repoRoot } from './repo.js';

// The built relay (dist/, `npm run build`) with its packet path on two worker threads, as a node
// runs it: calls spread over both workers, RTP relayed both ways, query and delete answered from
// the workers, and a media timeout event crossing back to the signalling thread.
const entry = join(repoRoot, 'dist', 'media', 'relay', 'index.js');
const built = existsSync(entry);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const sdp = (port: number) =>
  `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=sendrecv\r\n`;
const portOf = (text: string) => Number(/^m=audio (\d+) /m.exec(text)![1]);

function rtp(seq: number, ssrc: number): Buffer {
  const b = Buffer.alloc(172, 0xd5);
  b[0] = 0x80;
  b[1] = 0;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(seq * 160, 4);
  b.writeUInt32BE(ssrc, 8);
  return b;
}

async function bound(): Promise<{ socket: Socket; port: number; received: Buffer[] }> {
  const socket = createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (d) => received.push(d));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port, received };
}

describe.skipIf(!built)(
  `built-in relay on worker threads${built ? '' : ' (skipped: run npm run build first)'}`,
  () => {
    let relay: BuiltinMediaRelay;
    const events: Array<{ type: string; callId: string }> = [];

    beforeAll(async () => {
      const mod = (await import(pathToFileURL(entry).href)) as {
        createBuiltinMediaRelay: typeof createBuiltinMediaRelay;
      };
      const block = await allocatePorts(41);
      const base = block + (block % 2);
      relay = mod.createBuiltinMediaRelay({
        address: '127.0.0.1',
        portMin: base,
        portMax: base + 39,
        timeoutMs: 1000,
        workers: 2,
      });
      relay.onEvent((e) => events.push(e));
    });

    afterAll(async () => {
      await relay?.close();
    });

    it('relays two calls, one per worker, both ways; query, delete and a timeout event come back', async () => {
      const calls = [];
      for (const callId of ['w-1', 'w-2']) {
        const a = await bound();
        const b = await bound();
        const offer = await relay.offer({ callId, fromTag: 'a', sdp: sdp(a.port) });
        const answer = await relay.answer({ callId, fromTag: 'a', toTag: 'b', sdp: sdp(b.port) });
        calls.push({ callId, a, b, aTo: portOf(answer.sdp), bTo: portOf(offer.sdp) });
      }
      const counters = await relay.counters();
      expect(counters.sessions).toBe(2);
      expect(counters.endpoints).toBe(4);
      for (let seq = 1; seq <= 10; seq++) {
        for (const c of calls) {
          c.a.socket.send(rtp(seq, 1), c.aTo, '127.0.0.1');
          c.b.socket.send(rtp(seq, 2), c.bTo, '127.0.0.1');
        }
        await sleep(5);
      }
      for (const c of calls) {
        await until(
          () => c.a.received.length === 10 && c.b.received.length === 10,
          3000,
          `RTP of ${c.callId}`,
        );
        const stats = await relay.query(c.callId);
        expect(stats!.streams.filter((s) => s.component === 'rtp').map((s) => s.packets)).toEqual([10, 10]);
      }
      // Both calls fall silent: each times out (1 s here) and the event reaches this thread.
      await until(() => events.filter((e) => e.type === 'media.timeout').length >= 2, 5000, 'media timeouts');
      expect(new Set(events.filter((e) => e.type === 'media.timeout').map((e) => e.callId))).toEqual(
        new Set(['w-1', 'w-2']),
      );
      for (const c of calls) {
        const final = await relay.delete({ callId: c.callId });
        expect(final!.streams.find((s) => s.fromTag === 'a' && s.component === 'rtp')!.packets).toBe(10);
        c.a.socket.close();
        c.b.socket.close();
      }
      expect(await relay.counters()).toMatchObject({ sessions: 0, endpoints: 0, packets: 40 });
    });
  },
);
