import { execFileSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltinMediaRelay, createBuiltinMediaRelay, mos } from '../../src/media/relay/index.js';
import { buildRtpPacket } from '../../src/media/rtp/index.js';
import { findBinary } from './peers.js';
import { allocatePorts } from './ports.js';

// Loss injected with tc netem shows in the built-in relay's reported loss and MOS. netem goes on
// the loopback device, so this runs only in a private network namespace (never on the host's lo):
//   unshare -n bash -c 'ip link set lo up; npx vitest run test/interop/relay-netem.test.ts'
// Every packet crosses lo once on its way to the relay: the relay sees the configured loss on
// what the phone sends, and its MOS must be within ±0.2 of the documented formula's value for
// that loss (docs/media-relay.md).
const LOSS_PERCENT = 5;
const PACKETS = 2000;

/** A namespace whose only device is lo is a private one (unshare -n): netem there touches nobody else. */
function privateNetns(): boolean {
  try {
    // /proc/net/dev lists the devices of this process's namespace (/sys may show the host's).
    const devices = readFileSync('/proc/net/dev', 'utf8')
      .split('\n')
      .slice(2)
      .map((line) => line.split(':')[0]!.trim())
      .filter((name) => name !== '');
    return devices.join(',') === 'lo';
  } catch {
    return false;
  }
}

const tc = findBinary('tc');

function netem(args: string[]): boolean {
  try {
    execFileSync(tc!, ['qdisc', ...args], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether this kernel has netem (sch_netem): tried once on lo, removed at once. */
function netemAvailable(): boolean {
  if (!netem(['add', 'dev', 'lo', 'root', 'netem', 'loss', '0%'])) return false;
  netem(['del', 'dev', 'lo', 'root']);
  return true;
}

const reason = !tc
  ? 'tc not installed (Debian package iproute2)'
  : !privateNetns()
    ? 'needs a private network namespace (unshare -n) to put netem on lo'
    : !netemAvailable()
      ? 'tc netem unavailable (kernel module sch_netem missing, or no CAP_NET_ADMIN)'
      : undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sdp = (port: number) =>
  `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=sendrecv\r\n`;
const portOf = (text: string) => Number(/^m=audio (\d+) /m.exec(text)![1]);

describe.skipIf(reason !== undefined)(
  `built-in relay under tc netem loss${reason ? ` (skipped: ${reason})` : ''}`,
  () => {
    let relay: BuiltinMediaRelay;
    let a: Socket;
    let b: Socket;
    let netemOn = false;

    beforeAll(async () => {
      const block = await allocatePorts(9);
      const base = block + (block % 2);
      relay = createBuiltinMediaRelay({
        address: '127.0.0.1',
        portMin: base,
        portMax: base + 7,
        timeoutMs: 60_000,
        workers: 1,
        inline: true,
      });
      a = createSocket('udp4');
      b = createSocket('udp4');
      await Promise.all([a, b].map((s) => new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve))));
      netemOn = netem(['add', 'dev', 'lo', 'root', 'netem', 'loss', `${LOSS_PERCENT}%`]);
    });

    afterAll(async () => {
      if (netemOn) netem(['del', 'dev', 'lo', 'root']);
      a?.close();
      b?.close();
      await relay?.close();
    });

    it(`reports about ${LOSS_PERCENT} % loss and the formula's MOS for it (±0.2)`, async () => {
      expect(netemOn, 'tc qdisc add dev lo root netem (needs CAP_NET_ADMIN in the namespace)').toBe(true);
      await relay.offer({ callId: 'netem', fromTag: 'a', sdp: sdp(a.address().port) });
      const answer = await relay.answer({
        callId: 'netem',
        fromTag: 'a',
        toTag: 'b',
        sdp: sdp(b.address().port),
      });
      // a sends where the answer it receives says.
      const answerPort = portOf(answer.sdp);
      const payload = Buffer.alloc(160, 0xff);
      for (let seq = 1; seq <= PACKETS; seq++) {
        a.send(
          buildRtpPacket({ payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc: 7, payload }),
          answerPort,
          '127.0.0.1',
        );
        if (seq % 20 === 0) await sleep(2);
      }
      await sleep(300);
      const stats = await relay.query('netem');
      const s = stats!.streams.find((x) => x.fromTag === 'a' && x.component === 'rtp')!;
      const expected = s.packets + s.lost;
      const measured = (100 * s.lost) / expected;
      // Binomial spread at 2,000 packets: σ ≈ 0.5 %; allow 4σ.
      expect(measured).toBeGreaterThan(LOSS_PERCENT - 2);
      expect(measured).toBeLessThan(LOSS_PERCENT + 2);
      const formula = mos({ lossPercent: LOSS_PERCENT, jitterMs: s.jitterMs });
      expect(Math.abs(s.mos! - formula)).toBeLessThanOrEqual(0.2);
      await relay.delete({ callId: 'netem' });
    });
  },
);
