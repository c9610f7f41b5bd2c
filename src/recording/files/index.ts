export {
  FileRecording,
  type FileRecordingOptions,
  type FileRecordingResult,
  type LegRecordingResult,
  type RecordedEvent,
} from './file-recording.js';
export { LinearResampler, resampleFrame } from './resample.js';
