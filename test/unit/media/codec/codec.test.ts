import alawmulaw from 'alawmulaw';
import { describe, expect, it } from 'vitest';
import {
  createDecoder,
  dtmfDigit,
  G722Decoder,
  parseTelephoneEvent,
  supportedEncodings,
} from '../../../../src/media/codec/index.js';
import { G722Encoder } from './g722-encoder.js';
import { goertzel, rms, tone } from './tone.js';

describe('G.711', () => {
  it('decodes every µ-law and A-law octet as alawmulaw (ITU-T G.711) does', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const pcmu = createDecoder({ encoding: 'PCMU', clockRate: 8000, channels: 1 })!;
    const pcma = createDecoder({ encoding: 'pcma', clockRate: 8000, channels: 1 })!;
    expect(Array.from(pcmu.decode(all))).toEqual(Array.from(alawmulaw.mulaw.decode(all)));
    expect(Array.from(pcma.decode(all))).toEqual(Array.from(alawmulaw.alaw.decode(all)));
    expect(pcmu.sampleRate).toBe(8000);
    expect(pcma.encoding).toBe('PCMA');
  });

  it('keeps a tone through encode/decode', () => {
    const pcm = tone(440, 8000, 8000);
    const decoded = createDecoder({ encoding: 'PCMU', clockRate: 8000, channels: 1 })!.decode(
      alawmulaw.mulaw.encode(pcm),
    );
    expect(goertzel(decoded, 440, 8000)).toBeGreaterThan(7500);
    expect(goertzel(decoded, 1000, 8000)).toBeLessThan(100);
  });
});

describe('G.722', () => {
  it('is 16 kHz audio on an 8 kHz RTP clock (RFC 3551 §4.5.2)', () => {
    const d = createDecoder({ encoding: 'G722', clockRate: 8000, channels: 1 })!;
    expect(d).toBeInstanceOf(G722Decoder);
    expect([d.clockRate, d.sampleRate]).toEqual([8000, 16000]);
    expect(d.decode(new Uint8Array(160)).length).toBe(320);
  });

  for (const frequency of [440, 1000, 3000, 6500]) {
    it(`round-trips a ${frequency} Hz tone through a G.722 encoder`, () => {
      const pcm = tone(frequency, 16000, 16000, 10000);
      const encoded = new G722Encoder().encode(pcm);
      // Decode packet by packet (20 ms = 160 octets): state must carry across payloads.
      const decoder = new G722Decoder();
      const out = new Int16Array(16000);
      for (let off = 0; off < encoded.length; off += 160) {
        out.set(decoder.decode(encoded.subarray(off, off + 160)), off * 2);
      }
      const steady = out.subarray(1600);
      expect(goertzel(steady, frequency, 16000)).toBeGreaterThan(9000);
      expect(goertzel(steady, frequency, 16000)).toBeLessThan(11000);
      expect(rms(steady)).toBeGreaterThan(6500);
      expect(rms(steady)).toBeLessThan(7600);
      // Little energy elsewhere: the tone dominates.
      const other = frequency === 1000 ? 2000 : 1000;
      expect(goertzel(steady, other, 16000)).toBeLessThan(300);
    });
  }

  it('decodes silence to near-silence and never throws on arbitrary octets', () => {
    const silent = new G722Encoder().encode(new Int16Array(3200));
    expect(rms(new G722Decoder().decode(silent))).toBeLessThan(20);
    const noise = Uint8Array.from({ length: 4000 }, (_, i) => (i * 7919) & 0xff);
    const out = new G722Decoder().decode(noise);
    expect(out.length).toBe(8000);
  });
});

describe('Opus (opus-decoder WASM)', () => {
  it('loads under Node and decodes synchronously after ready', async () => {
    const d = createDecoder({ encoding: 'OPUS', clockRate: 48000, channels: 2 })!;
    expect(d.decode(new Uint8Array([0x08]))).toHaveLength(0); // not ready yet: nothing, no throw
    await d.ready;
    expect([d.clockRate, d.sampleRate, d.channels]).toEqual([48000, 48000, 1]);
    // RFC 6716 §3.1: TOC config 1 (SILK NB 20 ms), code 0, no frame data: decoded as a lost frame.
    const pcm = d.decode(new Uint8Array([0x08]));
    expect(pcm).toHaveLength(960);
    // CELT FB 10 ms (config 30) → 480 samples.
    expect(d.decode(new Uint8Array([30 << 3]))).toHaveLength(480);
    // A corrupt packet (code 3 with a bad count) gives nothing rather than throwing.
    expect(d.decode(new Uint8Array([0xff, 0xff, 0xff]))).toHaveLength(0);
    d.close();
    d.close();
  });
});

describe('createDecoder', () => {
  it('refuses unknown encodings and wrong clock rates', () => {
    expect(createDecoder({ encoding: 'GSM', clockRate: 8000, channels: 1 })).toBeUndefined();
    expect(createDecoder({ encoding: 'PCMU', clockRate: 16000, channels: 1 })).toBeUndefined();
    expect(createDecoder({ encoding: 'OPUS', clockRate: 8000, channels: 1 })).toBeUndefined();
    expect(createDecoder({ encoding: 'TELEPHONE-EVENT', clockRate: 8000, channels: 1 })).toBeUndefined();
  });

  it('lists what it supports, each creatable', () => {
    expect(supportedEncodings.map((e) => e.encoding)).toEqual(['PCMU', 'PCMA', 'G722', 'OPUS']);
    for (const e of supportedEncodings) expect(createDecoder(e)).toBeDefined();
  });
});

describe('RFC 4733 telephone-event', () => {
  it('parses event, end bit, volume and duration', () => {
    expect(parseTelephoneEvent(Uint8Array.from([5, 0x8a, 0x03, 0x20]))).toEqual({
      event: 5,
      end: true,
      volume: 10,
      duration: 800,
    });
    expect(parseTelephoneEvent(Uint8Array.from([11, 0x0a, 0x00, 0xa0]))).toEqual({
      event: 11,
      end: false,
      volume: 10,
      duration: 160,
    });
    expect(parseTelephoneEvent(Uint8Array.from([1, 2, 3]))).toBeUndefined();
    expect([dtmfDigit(0), dtmfDigit(10), dtmfDigit(11), dtmfDigit(15), dtmfDigit(16)]).toEqual([
      '0',
      '*',
      '#',
      'D',
      undefined,
    ]);
  });
});
