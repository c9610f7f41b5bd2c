import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LinearResampler, resampleFrame } from '../../../../src/recording/files/index.js';
import { goertzel, tone } from '../../media/codec/tone.js';

describe('LinearResampler', () => {
  it('gives the same output whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.constantFrom([8000, 16000], [8000, 48000], [16000, 48000], [48000, 16000], [44100, 48000]),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 12 }),
        ([from, to], cuts) => {
          const input = tone(
            440,
            from!,
            cuts.reduce((a, b) => a + b, 0),
          );
          const whole = new LinearResampler(from!, to!).process(input);
          const r = new LinearResampler(from!, to!);
          const parts: number[] = [];
          let off = 0;
          for (const c of cuts) {
            parts.push(...r.process(input.subarray(off, off + c)));
            off += c;
          }
          expect(parts).toEqual([...whole]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('upsamples 8 kHz to 48 kHz keeping the tone and the length', () => {
    const out = new LinearResampler(8000, 48000).process(tone(440, 8000, 8000));
    expect(Math.abs(out.length - 48000)).toBeLessThanOrEqual(6);
    expect(goertzel(out, 440, 48000)).toBeGreaterThan(7500);
  });

  it('resamples a single frame to the rounded length', () => {
    expect(resampleFrame(tone(1000, 48000, 960), 48000, 8000)).toHaveLength(160);
    expect(resampleFrame(tone(1000, 8000, 160), 8000, 16000)).toHaveLength(320);
  });
});
