import { describe, expect, it } from 'vitest';
import { portSlices } from '../../../../src/media/relay/builtin/index.js';
import {
  DtmfDetector,
  Latch,
  LEARNING_MS,
  mos,
  mosFromR,
  ntpMiddle,
  parseRtcp,
  rFactor,
  TimeoutWatch,
} from '../../../../src/media/relay/index.js';

describe('MOS (G.107 simplified as rtpengine computes it)', () => {
  // Values worked by hand from the documented formula (docs/media-relay.md).
  it('no loss, no jitter, no RTT: R 89.86 → MOS 4.3', () => {
    expect(rFactor({ lossPercent: 0, jitterMs: 0 })).toBeCloseTo(89.86, 2);
    expect(mos({ lossPercent: 0, jitterMs: 0 })).toBe(4.3);
  });

  it('loss lowers it: 1 % → 4.1, 2 % → 3.9, 5 % → 3.4, 10 % → 2.6', () => {
    // r = 92.2: R = 0.18·92.2² − 27.9·92.2 + 1126.62 = 1530.15 − 2572.38 + 1126.62 = 84.39;
    // MOS = 1 + 0.035·84.39 + 7e-6·84.39·24.39·15.61 = 4.18 → 4.1
    expect(rFactor({ lossPercent: 1, jitterMs: 0 })).toBeCloseTo(84.39, 1);
    expect(mos({ lossPercent: 1, jitterMs: 0 })).toBe(4.1);
    expect(mos({ lossPercent: 2, jitterMs: 0 })).toBe(3.9);
    expect(mos({ lossPercent: 5, jitterMs: 0 })).toBe(3.4);
    expect(mos({ lossPercent: 10, jitterMs: 0 })).toBe(2.6);
  });

  it("never rises with more loss: past the quadratic's minimum (15.7 %) R stays there", () => {
    const atMinimum = mos({ lossPercent: 15.7, jitterMs: 0 });
    expect(atMinimum).toBe(2.3);
    for (const loss of [20, 50, 93, 100]) expect(mos({ lossPercent: loss, jitterMs: 0 })).toBe(atMinimum);
  });

  it('delay: Id = 0.024·d below 177.3 ms, plus 0.11·(d − 177.3) above', () => {
    const base = rFactor({ lossPercent: 0, jitterMs: 0 });
    expect(base - rFactor({ lossPercent: 0, jitterMs: 20, rttMs: 100 })).toBeCloseTo(0.024 * 70, 6);
    expect(base - rFactor({ lossPercent: 0, jitterMs: 0, rttMs: 600 })).toBeCloseTo(
      0.024 * 300 + 0.11 * 122.7,
      6,
    );
  });

  it('MOS from R is clamped to 1-4.5', () => {
    expect(mosFromR(-5)).toBe(1);
    expect(mosFromR(120)).toBe(4.5);
    expect(mosFromR(93.2)).toBeCloseTo(4.41, 2);
  });
});

describe('Latch (rtpengine learning rules)', () => {
  const sdp = { address: '192.0.2.1', port: 4000 };

  it('latches the first source at once and fixes it after the learning window', () => {
    const latch = new Latch(sdp);
    expect(latch.destination).toEqual(sdp);
    expect(latch.check('5000 198.51.100.7', 1000)).toBe('latched');
    expect(latch.destination).toEqual({ address: '198.51.100.7', port: 5000 });
    expect(latch.check('5000 198.51.100.7', 1020)).toBe('accept');
    // Same rank (neither matches the SDP) within the window: no change.
    expect(latch.check('5002 198.51.100.8', 1040)).toBe('drop');
  });

  it('within the window a source matching the SDP better replaces it; after it, nothing does', () => {
    const latch = new Latch(sdp);
    latch.check('5000 198.51.100.7', 0);
    expect(latch.check('4000 198.51.100.9', 10)).toBe('latched'); // port matches
    expect(latch.check('4100 192.0.2.1', 20)).toBe('latched'); // address matches
    expect(latch.check('4000 192.0.2.1', 30)).toBe('latched'); // both
    expect(latch.check('5000 198.51.100.7', 40)).toBe('drop');
    const late = new Latch(sdp);
    late.check('5000 198.51.100.7', 0);
    expect(late.check('4000 192.0.2.1', LEARNING_MS)).toBe('drop'); // no hijack after learning
    expect(late.latchedTo).toEqual({ address: '198.51.100.7', port: 5000 });
  });

  it('a new SDP address restarts learning; the same SDP keeps the latch', () => {
    const latch = new Latch(sdp);
    latch.check('5000 198.51.100.7', 0);
    latch.update({ ...sdp }, true);
    expect(latch.check('6000 198.51.100.8', 10_000)).toBe('drop');
    latch.update({ address: '192.0.2.2', port: 4000 }, true);
    expect(latch.destination).toEqual({ address: '192.0.2.2', port: 4000 });
    expect(latch.check('6000 198.51.100.8', 10_000)).toBe('latched');
  });

  it('asymmetric (latch off) accepts anything and sends to the SDP address', () => {
    const latch = new Latch(sdp, false);
    expect(latch.check('1 10.0.0.1', 0)).toBe('accept');
    expect(latch.check('2 10.0.0.2', 0)).toBe('accept');
    expect(latch.destination).toEqual(sdp);
  });
});

describe('RTCP parsing', () => {
  function sr(blocks: number): Buffer {
    const b = Buffer.alloc(28 + blocks * 24);
    b[0] = 0x80 | blocks;
    b[1] = 200;
    b.writeUInt16BE(b.length / 4 - 1, 2);
    b.writeUInt32BE(0x11111111, 4);
    b.writeUInt32BE(0xaabbccdd, 8);
    b.writeUInt32BE(0xeeff0011, 12);
    for (let i = 0; i < blocks; i++) {
      const at = 28 + i * 24;
      b.writeUInt32BE(0x22222222, at);
      b[at + 4] = 64; // 1/4 lost
      b.writeUIntBE(0xfffffe, at + 5, 3); // −2 cumulative
      b.writeUInt32BE(70_000, at + 8);
      b.writeUInt32BE(80, at + 12);
      b.writeUInt32BE(0xccddeeff, at + 16);
      b.writeUInt32BE(65536, at + 20);
    }
    return b;
  }

  function xrVoip(): Buffer {
    const b = Buffer.alloc(8 + 36);
    b[0] = 0x80;
    b[1] = 207;
    b.writeUInt16BE(b.length / 4 - 1, 2);
    b.writeUInt32BE(0x33333333, 4);
    b[8] = 7;
    b.writeUInt16BE(8, 10);
    b.writeUInt32BE(0x22222222, 12);
    b[16] = 13; // loss rate
    b.writeUInt16BE(120, 24); // round trip delay
    b.writeUInt16BE(40, 26);
    b[34] = 80; // R factor
    b[36] = 41; // MOS-LQ 4.1
    b[37] = 127; // MOS-CQ unavailable
    return b;
  }

  it('reads an SR with a report block, then an XR VoIP metrics block, in one compound', () => {
    const parsed = parseRtcp(Buffer.concat([sr(1), xrVoip()]))!;
    expect(parsed.senderReports).toEqual([{ ssrc: 0x11111111, ntpMiddle: 0xccddeeff }]);
    expect(parsed.reportBlocks[0]).toEqual({
      ssrc: 0x22222222,
      fractionLost: 0.25,
      cumulativeLost: -2,
      highestSequence: 70_000,
      jitter: 80,
      lastSr: 0xccddeeff,
      delaySinceLastSr: 65536,
    });
    expect(parsed.voipMetrics).toEqual([
      {
        ssrc: 0x22222222,
        lossRate: 13 / 256,
        discardRate: 0,
        roundTripDelayMs: 120,
        endSystemDelayMs: 40,
        rFactor: 80,
        mosLq: 4.1,
      },
    ]);
  });

  it('rejects truncated, wrong-version and over-long compounds without throwing', () => {
    const good = sr(2);
    expect(parseRtcp(good.subarray(0, good.length - 4))).toBeUndefined();
    const wrongVersion = Buffer.from(good);
    wrongVersion[0] = 0x40;
    expect(parseRtcp(wrongVersion)).toBeUndefined();
    const lying = Buffer.from(good);
    lying.writeUInt16BE(200, 2);
    expect(parseRtcp(lying)).toBeUndefined();
    expect(parseRtcp(Buffer.from([0x80, 96, 0, 0]))).toBeUndefined(); // an RTP packet is not RTCP
    expect(parseRtcp(Buffer.alloc(0))).toEqual({ senderReports: [], reportBlocks: [], voipMetrics: [] });
  });

  it('ntpMiddle: the middle 32 bits of the NTP timestamp (RFC 3550 §4)', () => {
    // 1970-01-01T00:00:00.5Z: NTP seconds 2208988800 = 0x83AA7E80, fraction 0.5 → 0x8000.
    expect(ntpMiddle(500)).toBe(0x7e808000);
  });
});

describe('DTMF detection (RFC 4733)', () => {
  const payload = (event: number, end: boolean, duration: number) =>
    Uint8Array.from([event, end ? 0x80 : 0, duration >> 8, duration & 0xff]);

  it('reports a digit once at its first end packet, with the duration in ms', () => {
    const d = new DtmfDetector(8000);
    expect(d.packet(payload(11, false, 160), 1000)).toBeUndefined();
    expect(d.packet(payload(11, true, 1600), 1000)).toEqual({ digit: '#', durationMs: 200 });
    expect(d.packet(payload(11, true, 1600), 1000)).toBeUndefined();
    expect(d.packet(payload(1, true, 800), 2600)).toEqual({ digit: '1', durationMs: 100 });
  });

  it('ignores non-DTMF events and short payloads', () => {
    const d = new DtmfDetector();
    expect(d.packet(payload(16, true, 800), 1)).toBeUndefined(); // flash
    expect(d.packet(Uint8Array.from([1, 0x80]), 2)).toBeUndefined();
  });
});

describe('media timeouts (injected clock)', () => {
  it('reports a call once when idle for the timeout, again only after media resumed', () => {
    const watch = new TimeoutWatch(60_000);
    watch.open('c1', 0);
    let last = 0;
    expect(watch.check(59_999, () => last)).toEqual([]);
    expect(watch.check(60_000, () => last)).toEqual([{ callId: 'c1', idleMs: 60_000 }]);
    expect(watch.check(90_000, () => last)).toEqual([]);
    last = 100_000;
    expect(watch.check(100_020, () => last)).toEqual([]);
    expect(watch.check(160_000, () => last)).toEqual([{ callId: 'c1', idleMs: 60_000 }]);
    watch.close('c1');
    expect(watch.check(500_000, () => last)).toEqual([]);
  });
});

describe('port slices per relay worker', () => {
  it('splits the range into whole RTP/RTCP pairs, the last taking the rest', () => {
    expect(portSlices(30000, 40000, 2)).toEqual([
      { portMin: 30000, portMax: 34999 },
      { portMin: 35000, portMax: 40000 },
    ]);
    expect(portSlices(30001, 30009, 2)).toEqual([
      { portMin: 30002, portMax: 30005 },
      { portMin: 30006, portMax: 30009 },
    ]);
    expect(() => portSlices(30000, 30003, 4)).toThrow(/fewer than 4 relay workers/);
  });
});
