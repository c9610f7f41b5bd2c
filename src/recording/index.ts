export { type RecordingMetrics, recordingMetrics } from './metrics.js';
export {
  RecordingManager,
  type RecordingManagerOptions,
  type SignalledRecordingRequest,
} from './recording-manager.js';
export { filesDocument, type RecordingDocument } from './session/document.js';
export { SiprecServer } from './srs/siprec-server.js';
export {
  type PacketSink,
  type PayloadFormat,
  type RecordedPacket,
  RecordingError,
  type RecordingFile,
  type RecordingFileKind,
  type RecordingLeg,
  type RecordingListFilter,
  type RecordingPolicy,
  type RecordingService,
  type RecordingSource,
  type RecordingStatus,
  type RecordingSummary,
  type StartRecordingRequest,
} from './types.js';
