import alawmulaw from 'alawmulaw';
import { type AudioDecoder, resolved } from './decoder.js';
import { allocateSamples } from './sample-slab.js';

// A 256-entry table per law: decoding is then one indexed load per sample, several times faster
// than alawmulaw's per-sample arithmetic; alawmulaw (ITU-T G.711) fills the tables once.
const PCMU_TABLE = new Int16Array(256);
const PCMA_TABLE = new Int16Array(256);
for (let i = 0; i < 256; i++) {
  PCMU_TABLE[i] = alawmulaw.mulaw.decodeSample(i);
  PCMA_TABLE[i] = alawmulaw.alaw.decodeSample(i);
}

class G711Decoder implements AudioDecoder {
  readonly clockRate = 8000;
  readonly sampleRate = 8000;
  readonly channels = 1;
  readonly ready = resolved;

  constructor(
    readonly encoding: 'PCMU' | 'PCMA',
    private readonly table: Int16Array,
  ) {}

  decode(payload: Uint8Array): Int16Array {
    const n = payload.length;
    const out = allocateSamples(n);
    const table = this.table;
    for (let i = 0; i < n; i++) out[i] = table[payload[i]!]!;
    return out;
  }

  close(): void {}
}

/** ITU-T G.711 µ-law (RTP/AVP PT 0, RFC 3551 §4.5.14). */
export function createPcmuDecoder(): AudioDecoder {
  return new G711Decoder('PCMU', PCMU_TABLE);
}

/** ITU-T G.711 A-law (RTP/AVP PT 8, RFC 3551 §4.5.14). */
export function createPcmaDecoder(): AudioDecoder {
  return new G711Decoder('PCMA', PCMA_TABLE);
}
