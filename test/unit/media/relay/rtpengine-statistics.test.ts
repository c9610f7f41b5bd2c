import { describe, expect, it } from 'vitest';
import type { NgTextDict } from '../../../../src/media/ng/index.js';
import { rtpengineSessionStatistics } from '../../../../src/media/relay/index.js';

// The shape of an rtpengine 10.5 query reply (as the interop test sees it), trimmed, with an SSRC
// table as rtpengine fills it from relayed RTCP (call_interfaces.c ng_stats_ssrc).
const stream = (rtcp: boolean, port: number, packets: number, ssrc?: number): NgTextDict => ({
  'local port': 41200 + (rtcp ? 1 : 0),
  endpoint: { family: 'IPv4', address: '127.0.0.1', port },
  'last packet': 1796268992,
  flags: [rtcp ? 'RTCP' : 'RTP', 'filled'],
  ...(ssrc === undefined ? {} : { SSRC: ssrc }),
  stats: { packets, bytes: packets * 172, errors: 0 },
});

const REPLY: NgTextDict = {
  created: 1796268990,
  SSRC: {
    '43690': {
      'average MOS': { MOS: 43, 'round-trip time': 12000, jitter: 3, 'packet loss': 1, samples: 2 },
    },
  },
  tags: {
    caller: {
      tag: 'caller',
      label: 'caller',
      medias: [{ index: 1, type: 'audio', streams: [stream(false, 5000, 20, 43690), stream(true, 5001, 2)] }],
    },
    callee: { tag: 'callee', medias: [{ index: 1, type: 'audio', streams: [stream(false, 6000, 19)] }] },
  },
  result: 'ok',
};

describe('rtpengine query reply → MediaSessionStatistics', () => {
  const stats = rtpengineSessionStatistics('call-1', REPLY);

  it('takes the creation time and one entry per tag and stream', () => {
    expect(stats.callId).toBe('call-1');
    expect(stats.createdAt).toBe(1796268990_000);
    expect(stats.streams.map((s) => [s.fromTag, s.component, s.packets])).toEqual([
      ['caller', 'rtp', 20],
      ['caller', 'rtcp', 2],
      ['callee', 'rtp', 19],
    ]);
  });

  it('maps counters, the latched endpoint, the label and the last packet time', () => {
    expect(stats.streams[0]).toMatchObject({
      bytes: 20 * 172,
      label: 'caller',
      latchedTo: '127.0.0.1:5000',
      lastPacketAt: 1796268992_000,
      lost: 0,
    });
  });

  it("takes MOS (÷10), RTT (µs → ms) and jitter from the stream's SSRC entry", () => {
    expect(stats.streams[0]).toMatchObject({ mos: 4.3, rttMs: 12, jitterMs: 3 });
    expect(stats.streams[2]!.mos).toBeUndefined();
  });

  it('an empty or odd reply gives no streams rather than throwing', () => {
    expect(rtpengineSessionStatistics('x', { result: 'ok' }).streams).toEqual([]);
    expect(rtpengineSessionStatistics('x', { tags: { a: 'junk', b: { medias: 'junk' } } }).streams).toEqual(
      [],
    );
  });
});
