/** Turns RTP payloads of one payload format into 16-bit linear PCM. */
export interface AudioDecoder {
  /** Encoding name as in SDP, upper-cased. */
  readonly encoding: string;
  /** RTP timestamp clock rate (8000 for G.722 although it samples at 16000: RFC 3551 §4.5.2). */
  readonly clockRate: number;
  /** Rate of the PCM that decode() returns. */
  readonly sampleRate: number;
  /** Channels of the PCM that decode() returns (interleaved when more than one). */
  readonly channels: number;
  /** Resolves when decode() can be called (immediately, except for WASM-backed codecs). */
  readonly ready: Promise<void>;
  /** Decodes one payload; an empty array for a payload it cannot decode. Never throws. */
  decode(payload: Uint8Array): Int16Array;
  /** Releases native/WASM memory; the decoder is unusable afterwards. */
  close(): void;
}

export const resolved: Promise<void> = Promise.resolve();
