import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { BuiltinMediaRelay, createBuiltinMediaRelay } from '../../src/media/relay/index.js';
import { bindBatchSocket } from '../../src/media/udp/batch-socket.js';
import { canSend, tosOf } from '../../src/media/udp/index.js';
import { nativeUdpModule } from '../../src/native/index.js';
import { type CapturedDatagram, LoopbackCapture } from '../interop/capture.js';
import { missingPeerReason, requirePeer, suiteTitle } from '../interop/peers.js';
import { allocatePorts } from '../interop/ports.js';
import { repoRoot } from '../interop/repo.js';
import { until } from '../support/until.js';
import { receiverKinds } from '../unit/media/udp/receiver-kinds.js';
import { inlineRelay, type Phone, phones, senderReport, voice } from './relay-loopback.js';

// media.dscp on the wire: the built-in relay's RTP and RTCP, captured on lo with tshark, carry the
// DSCP in their IP header (EF, 46: TOS byte 184) when the native module marks the sockets; on
// node:dgram sockets, which cannot be marked, the packets still flow and the relay says why once.
// Run in a network namespace (unshare -n) so the capture sees only this test's packets.

const tshark = requirePeer('tshark', 'tshark');
const batch = receiverKinds().find((k) => k.kind === 'batch')!;
const EF = 46;
// The built relay (dist/, `npm run build`), whose engines run on worker threads as a node's do.
const built = join(repoRoot, 'dist', 'media', 'relay', 'index.js');
const workersNote = existsSync(built) ? '' : ' [skipped: dist/ not built (npm run build)]';

async function workerRelay(
  options: Pick<Parameters<typeof createBuiltinMediaRelay>[0], 'receiver' | 'dscp' | 'onWarning' | 'workers'>,
): Promise<BuiltinMediaRelay> {
  const { createBuiltinMediaRelay: create } = (await import(pathToFileURL(built).href)) as {
    createBuiltinMediaRelay: typeof createBuiltinMediaRelay;
  };
  const block = await allocatePorts(9);
  const base = block + (block % 2);
  return create({ address: '127.0.0.1', portMin: base, portMax: base + 7, timeoutMs: 60_000, ...options });
}

const sdp = (port: number) =>
  'v=0\r\no=- 7 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
  `m=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`;
const portOf = (text: string) => Number(/^m=audio (\d+) /m.exec(text)![1]);

describe.skipIf(!tshark)(
  suiteTitle('built-in relay: media.dscp on the wire', [
    tshark ? undefined : missingPeerReason('tshark', 'tshark'),
  ]),
  () => {
    let relay: BuiltinMediaRelay | undefined;
    const { phone, closeAll } = phones();

    afterEach(async () => {
      closeAll();
      await relay?.close();
      relay = undefined;
    });

    /**
     * A call between two phones through the relay, captured: 5 RTP packets and one RTCP sender
     * report each way. Returns what the relay sent (the datagrams whose source is one of its ports).
     */
    async function relayedCall(r: BuiltinMediaRelay): Promise<CapturedDatagram[]> {
      const a: Phone = await phone();
      const b: Phone = await phone();
      const offer = await r.offer({ callId: 'dscp', fromTag: 'a', sdp: sdp(a.port) });
      const answer = await r.answer({ callId: 'dscp', fromTag: 'a', toTag: 'b', sdp: sdp(b.port) });
      const aTo = portOf(answer.sdp);
      const bTo = portOf(offer.sdp);
      const relayPorts = new Set([aTo, aTo + 1, bTo, bTo + 1]);
      const probe = await allocatePorts(1);
      const capture = await LoopbackCapture.start(tshark!, 'dscp', 'udp', probe);
      try {
        for (let seq = 1; seq <= 5; seq++) {
          a.rtp.send(voice(seq, 0xa), aTo, '127.0.0.1');
          b.rtp.send(voice(seq, 0xb), bTo, '127.0.0.1');
        }
        a.rtcp.send(senderReport(0xa), aTo + 1, '127.0.0.1');
        b.rtcp.send(senderReport(0xb), bTo + 1, '127.0.0.1');
        await until(
          () =>
            a.received.length === 5 &&
            b.received.length === 5 &&
            a.rtcpReceived.length === 1 &&
            b.rtcpReceived.length === 1,
          5000,
          'relayed RTP and RTCP both ways',
        );
        await capture.probe(probe, 10_000); // what was sent before the probe is in the file
      } finally {
        await capture.stop();
      }
      try {
        const relayed = (await capture.datagrams()).filter((d) => relayPorts.has(d.srcPort));
        // Every relayed packet seen: RTP to each phone's RTP port, RTCP to each one's RTCP port.
        expect(relayed.filter((d) => d.dstPort === a.port || d.dstPort === b.port)).toHaveLength(10);
        expect(relayed.filter((d) => d.dstPort === a.port + 1 || d.dstPort === b.port + 1)).toHaveLength(2);
        // The phones' own packets were captured too, unmarked: the mark is the relay's.
        const fromPhones = (await capture.datagrams()).filter((d) => d.srcPort === a.port);
        expect(fromPhones.length).toBeGreaterThanOrEqual(5);
        expect(fromPhones.every((d) => d.dscp === 0)).toBe(true);
        return relayed;
      } finally {
        capture.cleanup();
      }
    }

    it.skipIf(batch.skip)(
      `native sockets${batch.skip ? ` (${batch.name})` : ''}: relayed RTP and RTCP carry DSCP 46 (EF, TOS 184) both ways`,
      async () => {
        const warnings: string[] = [];
        relay = await inlineRelay(4, { receiver: 'batch', dscp: EF, onWarning: (m) => warnings.push(m) });
        const relayed = await relayedCall(relay);
        // First: a stale native module (built before setTos) is named here, not as a wrong DSCP.
        expect(warnings).toEqual([]);
        expect(relayed.map((d) => d.dscp)).toEqual(relayed.map(() => EF));
        expect((await relay.counters()).unmarked).toBe(0);
      },
      30_000,
    );

    it.skipIf(batch.skip)(
      `native IPv6 sockets${batch.skip ? ` (${batch.name})` : ''}: IPV6_TCLASS carries the DSCP`,
      async () => {
        const receiver = createSocket('udp6');
        await new Promise<void>((resolve) => receiver.bind(0, '::1', resolve));
        const heard: Buffer[] = [];
        receiver.on('message', (d) => heard.push(d));
        const port = await allocatePorts(1);
        const socket = (await bindBatchSocket(nativeUdpModule()!, port, '::1', undefined, 0, tosOf(EF)))!;
        const probe = await allocatePorts(1);
        const capture = await LoopbackCapture.start(tshark!, 'dscp6', 'udp', probe);
        try {
          expect(socket.dscpFailure).toBeUndefined();
          if (!canSend(socket)) throw new Error('a batch socket sends');
          for (let i = 0; i < 3; i++) socket.send(voice(i, 0x6), receiver.address().port, '::1');
          await until(() => heard.length === 3, 5000, 'the IPv6 datagrams');
          await capture.probe(probe, 10_000);
          await capture.stop();
          const sent = (await capture.datagrams()).filter((d) => d.srcPort === port);
          expect(sent.map((d) => d.dscp)).toEqual([EF, EF, EF]);
        } finally {
          await capture.stop();
          capture.cleanup();
          await socket.close();
          receiver.close();
        }
      },
      30_000,
    );

    it.skipIf(batch.skip || workersNote !== '')(
      `on worker threads (the built relay): native sockets marked on the wire${workersNote}`,
      async () => {
        const warnings: string[] = [];
        relay = await workerRelay({
          receiver: 'batch',
          dscp: EF,
          workers: 1,
          onWarning: (m) => warnings.push(m),
        });
        const relayed = await relayedCall(relay);
        expect(warnings).toEqual([]);
        expect(relayed.map((d) => d.dscp)).toEqual(relayed.map(() => EF));
      },
      30_000,
    );

    it.skipIf(workersNote !== '')(
      `on worker threads: node:dgram sockets in two workers, one warning for the node${workersNote}`,
      async () => {
        const warnings: string[] = [];
        relay = await workerRelay({
          receiver: 'dgram',
          dscp: EF,
          workers: 2,
          onWarning: (m) => warnings.push(m),
        });
        // Two calls: the relay spreads them over both workers, each of which meets node:dgram.
        for (const callId of ['w1', 'w2']) {
          await relay.offer({ callId, fromTag: 'a', sdp: sdp(40000) });
          await relay.answer({ callId, fromTag: 'a', toTag: 'b', sdp: sdp(40002) });
        }
        expect((await relay.counters()).unmarked).toBe(8);
        await until(() => warnings.length > 0, 2000, 'the warning');
        await new Promise((r) => setTimeout(r, 100)); // the other worker's, had it not been folded
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain('node:dgram cannot set IP_TOS/IPV6_TCLASS');
      },
      30_000,
    );

    it('node:dgram sockets cannot be marked: media flows unmarked, the relay warns once and counts the sockets', async () => {
      const warnings: string[] = [];
      relay = await inlineRelay(4, { receiver: 'dgram', dscp: EF, onWarning: (m) => warnings.push(m) });
      const relayed = await relayedCall(relay);
      expect(relayed.every((d) => d.dscp === 0)).toBe(true);
      // Four sockets (two port pairs), one warning.
      expect((await relay.counters()).unmarked).toBe(4);
      expect(warnings).toEqual([
        "media.dscp 46 (TOS 184) is not set on the relay's sockets (node:dgram cannot set IP_TOS/IPV6_TCLASS): their packets leave unmarked; media still flows",
      ]);
    }, 30_000);
  },
);
