/** Streaming a recording's RTP packets over WebSocket (producer and consumer); see docs/recording-stream.md. */
export { type AssembledMessage, type AssemblerLimits, FragmentAssembler } from './assembler.js';
export { decodeBatch, encodeBatch, MAX_PACKET_BYTES } from './batch.js';
export { CloseCode } from './close-codes.js';
export type { StreamClose, StreamOpen } from './control.js';
export {
  decodeFrame,
  encodeFrame,
  type Frame,
  FrameError,
  type FrameErrorCode,
  FrameType,
  fragmentMessage,
  MAX_FRAME_BYTES,
  maxMessageBytes,
  wsHeaderBytes,
} from './frame.js';
export {
  RecordingSinkServer,
  type RecordingSinkServerOptions,
  type SinkServerCounters,
} from './server.js';
export {
  type ReconnectOptions,
  RecordingStreamer,
  type RecordingStreamerOptions,
  type StreamerCounters,
  type StreamerState,
} from './streamer.js';
