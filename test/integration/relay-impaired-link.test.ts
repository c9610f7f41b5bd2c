import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltinMediaRelay, mos } from '../../src/media/relay/index.js';
import { bind, inlineRelay, sleep, voice } from './relay-loopback.js';

// Loss and jitter on a phone's link, played by the test in userspace: what `tc netem loss 5% delay
// 15ms 15ms` does (test/interop/relay-netem.test.ts, which needs sch_netem in the kernel), here on
// every machine. The phone sends a G.711 packet every 20 ms; a seeded 5 % of them never leave, the
// rest leave 0-30 ms late. The relay's reported loss, its RFC 3550 §A.8 jitter (computed here from
// the real send times) and its MOS must match the injected figures and the documented formula
// (docs/media-relay.md) within ±0.2 MOS.
const PACKETS = 400;
const LOSS_PERCENT = 5;
const MAX_DELAY_MS = 30;

/** A small seeded generator (mulberry32): the same impairment on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sdp = (port: number) =>
  `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`;
const portOf = (text: string) => Number(/^m=audio (\d+) /m.exec(text)![1]);

describe('built-in relay: loss and jitter injected on the phone’s link (userspace, as tc netem)', () => {
  let relay: BuiltinMediaRelay;

  beforeAll(async () => {
    relay = await inlineRelay(8);
  });
  afterAll(async () => {
    await relay?.close();
  });

  it(`reports ${LOSS_PERCENT} % loss, the link's jitter, and the formula's MOS for them (±0.2)`, async () => {
    const a = await bind();
    const b = await bind();
    try {
      await relay.offer({ callId: 'impaired', fromTag: 'a', sdp: sdp(a.address().port) });
      const answer = await relay.answer({
        callId: 'impaired',
        fromTag: 'a',
        toTag: 'b',
        sdp: sdp(b.address().port),
      });
      const relayPort = portOf(answer.sdp);

      const random = seeded(0x5eed);
      // The first and the last packet always leave: RFC 3550 §A.3 counts loss between them.
      const dropped = new Set<number>();
      while (dropped.size < (PACKETS * LOSS_PERCENT) / 100)
        dropped.add(2 + Math.floor(random() * (PACKETS - 2)));
      const sentAt = new Map<number, number>();
      const start = performance.now() + 20;
      await new Promise<void>((resolve) => {
        let pending = PACKETS;
        for (let seq = 1; seq <= PACKETS; seq++) {
          const due = start + seq * 20 + random() * MAX_DELAY_MS;
          setTimeout(() => {
            if (!dropped.has(seq)) {
              a.send(voice(seq, 0x1055), relayPort, '127.0.0.1');
              sentAt.set(seq, performance.now());
            }
            if (--pending === 0) resolve();
          }, due - performance.now());
        }
      });
      await sleep(100);

      // RFC 3550 §A.8 over what left, in arrival order (a later packet may overtake an earlier one).
      const departures = [...sentAt.entries()].sort((x, y) => x[1] - y[1]);
      let jitter = 0;
      for (let i = 1; i < departures.length; i++) {
        const [seq, at] = departures[i]!;
        const [previousSeq, previousAt] = departures[i - 1]!;
        const d = at - previousAt - (seq - previousSeq) * 20;
        jitter += (Math.abs(d) - jitter) / 16;
      }

      const stats = await relay.query('impaired');
      const stream = stats!.streams.find((s) => s.fromTag === 'a' && s.component === 'rtp')!;
      expect(stream.lost).toBe(dropped.size);
      const lossPercent = (100 * stream.lost) / (stream.packets + stream.lost);
      expect(lossPercent).toBeCloseTo(LOSS_PERCENT, 5);
      // The relay times arrivals on its own clock: within 3 ms of the link's own figure.
      expect(stream.jitterMs).toBeGreaterThan(jitter - 3);
      expect(stream.jitterMs).toBeLessThan(jitter + 3);
      // Uniform 0-30 ms delays give |D| about 10 ms on average: the link really was jittery.
      expect(jitter).toBeGreaterThan(5);
      const formula = mos({ lossPercent: LOSS_PERCENT, jitterMs: jitter });
      expect(stream.mos).toBeDefined();
      expect(Math.abs(stream.mos! - formula)).toBeLessThanOrEqual(0.2);
      await relay.delete({ callId: 'impaired' });
    } finally {
      a.close();
      b.close();
    }
  }, 20_000);
});
