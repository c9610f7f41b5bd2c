import { OpusDecoder } from 'opus-decoder';
import type { AudioDecoder } from './decoder.js';
import { allocateSamples } from './sample-slab.js';

const EMPTY = new Int16Array(0);

/**
 * Opus (RFC 7587) through libopus compiled to WASM (`opus-decoder`). RTP Opus always has a 48000
 * clock and "/2" in SDP (RFC 7587 §7); libopus decodes any packet, mono or stereo coded, to the
 * one channel asked for, so recordings get 48 kHz mono. decode() is synchronous once `ready`.
 */
class OpusAudioDecoder implements AudioDecoder {
  readonly encoding = 'OPUS';
  readonly clockRate = 48000;
  readonly sampleRate = 48000;
  readonly channels = 1;
  readonly ready: Promise<void>;

  private readonly decoder = new OpusDecoder({ sampleRate: 48000, channels: 1 });
  private isReady = false;
  private closed = false;

  constructor() {
    this.ready = this.decoder.ready.then(() => {
      this.isReady = true;
    });
  }

  decode(payload: Uint8Array): Int16Array {
    if (!this.isReady || this.closed || payload.length === 0) return EMPTY;
    let result: ReturnType<OpusDecoder['decodeFrame']>;
    try {
      result = this.decoder.decodeFrame(payload);
    } catch {
      return EMPTY;
    }
    const pcm = result.channelData[0];
    if (result.errors.length > 0 || !pcm) return EMPTY;
    const n = result.samplesDecoded;
    const out = allocateSamples(n);
    for (let i = 0; i < n; i++) {
      const v = pcm[i]! * 32768;
      out[i] = v > 32767 ? 32767 : Math.max(v, -32768);
    }
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ready.then(
      () => this.decoder.free(),
      () => {},
    );
  }
}

export function createOpusDecoder(): AudioDecoder {
  return new OpusAudioDecoder();
}
