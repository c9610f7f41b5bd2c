import { describe, expect, it } from 'vitest';
import { RtpStreamStatistics } from '../../../../src/media/rtp/index.js';

function feed(stats: RtpStreamStatistics, seqs: number[], ssrc = 1) {
  return seqs.map((seq, i) => stats.update(ssrc, seq & 0xffff, seq * 160, i * 20, 8000));
}

describe('RtpStreamStatistics', () => {
  it('counts an in-order stream with no loss', () => {
    const s = new RtpStreamStatistics();
    expect(feed(s, [10, 11, 12, 13])).toEqual(['restart', 'valid', 'valid', 'valid']);
    expect([s.received, s.expected, s.lost, s.duplicates]).toEqual([4, 4, 0, 0]);
    expect(s.jitter).toBe(0);
  });

  it('counts losses across the 16-bit wrap (RFC 3550 §A.1 cycles, §A.3 expected)', () => {
    const s = new RtpStreamStatistics();
    feed(s, [65533, 65534, 1, 2, 4]); // 65535, 0 and 3 lost
    expect(s.expected).toBe(8);
    expect(s.lost).toBe(3);
    expect(s.lastExtendedSequence).toBe(65536 + 4);
  });

  it('places reordered packets in the previous cycle and spots duplicates', () => {
    const s = new RtpStreamStatistics();
    const verdicts = feed(s, [65534, 0, 65535, 1, 1, 65535]);
    expect(verdicts).toEqual(['restart', 'valid', 'valid', 'valid', 'duplicate', 'duplicate']);
    expect([s.received, s.expected, s.lost, s.duplicates]).toEqual([4, 4, 0, 2]);
  });

  it('spots a duplicate of a packet from before the first one, across the wrap', () => {
    const s = new RtpStreamStatistics();
    feed(s, [2, 3]);
    expect(s.update(1, 65535, 0, 60, 8000)).toBe('valid');
    expect(s.update(1, 65535, 0, 61, 8000)).toBe('duplicate');
    expect(s.lastExtendedSequence).toBe(-1);
  });

  it('forgets the numbers the window has passed: a long in-order stream has no false duplicates', () => {
    const s = new RtpStreamStatistics();
    const seqs = Array.from({ length: 70_000 }, (_, i) => i);
    expect(feed(s, seqs).filter((v) => v !== 'valid' && v !== 'restart')).toEqual([]);
    expect([s.received, s.expected, s.lost, s.duplicates]).toEqual([70_000, 70_000, 0, 0]);
  });

  it('after a jump within MAX_DROPOUT, late packets count once and their repeats are duplicates', () => {
    const s = new RtpStreamStatistics();
    feed(s, [100, 101]);
    expect(s.update(1, 3000, 0, 40, 8000)).toBe('valid'); // 2,898 ahead: a gap, not a restart
    expect(s.update(1, 2950, 0, 60, 8000)).toBe('valid'); // late, 50 behind
    expect(s.update(1, 2950, 0, 80, 8000)).toBe('duplicate');
    expect(s.update(1, 101, 0, 100, 8000)).not.toBe('valid'); // far too late: not counted again
    expect(s.received).toBe(4);
  });

  it('never reports negative loss', () => {
    const s = new RtpStreamStatistics();
    feed(s, [5, 6, 7]);
    s.update(1, 4, 0, 100, 8000); // late packet from before the first: counted but expected unchanged
    expect(s.lost).toBe(0);
  });

  it('restarts on a new SSRC keeping the totals', () => {
    const s = new RtpStreamStatistics();
    feed(s, [100, 101, 103]); // 1 lost
    expect(s.update(2, 5000, 0, 100, 8000)).toBe('restart');
    s.update(2, 5001, 160, 120, 8000);
    s.update(2, 5003, 480, 160, 8000); // 1 lost
    expect([s.received, s.expected, s.lost, s.restarts]).toEqual([6, 8, 2, 1]);
  });

  it('needs a second packet to confirm a huge sequence jump', () => {
    const s = new RtpStreamStatistics();
    feed(s, [1, 2, 3]);
    expect(s.update(1, 30000, 0, 100, 8000)).toBe('jump');
    expect(s.update(1, 3 + 1, 0, 120, 8000)).toBe('valid');
    expect(s.update(1, 40000, 0, 140, 8000)).toBe('jump');
    expect(s.update(1, 40001, 0, 160, 8000)).toBe('restart');
    expect(s.update(1, 40002, 0, 180, 8000)).toBe('valid');
    expect(s.jumps).toBe(2);
    expect(s.lost).toBe(0);
  });

  it('computes interarrival jitter as RFC 3550 §A.8 does by hand', () => {
    const s = new RtpStreamStatistics();
    // 20 ms packets; every other one arrives 10 ms late: |D| = 80 timestamp units each time.
    let expected = 0;
    for (let i = 0; i < 200; i++) {
      s.update(7, i, i * 160, i * 20 + (i % 2) * 10, 8000);
      if (i > 0) expected += (80 - expected) / 16;
    }
    expect(s.jitter).toBeCloseTo(expected, 9);
    expect(s.jitterMs).toBeCloseTo(10, 1);
  });

  it('leaves packets with clock rate 0 (events) out of jitter and wraps timestamps', () => {
    const s = new RtpStreamStatistics();
    s.update(1, 1, 0xffffff60, 0, 8000);
    s.update(1, 2, 0x00000000, 20, 8000); // timestamp wrapped: D = 0
    s.update(1, 3, 0x00000000, 500, 0);
    expect(s.jitter).toBe(0);
    expect(s.received).toBe(3);
  });
});
