export {
  BuiltinMediaRelay,
  type BuiltinMediaRelayOptions,
  type BuiltinRelayConfig,
  createBuiltinMediaRelay,
  DtmfDetector,
  Latch,
  LEARNING_MS,
  MediaRelayError,
  mos,
  mosFromR,
  ntpMiddle,
  parseRtcp,
  type RelayCounters,
  rFactor,
  TimeoutWatch,
} from './builtin/index.js';
export {
  type NgCodecOptions,
  ngCodecOptions,
  RtpengineMediaRelay,
  type RtpengineMediaRelayOptions,
  rtpengineSessionStatistics,
} from './rtpengine/index.js';
export { applyCodecPolicy, type PayloadEncoding } from './sdp/codec-policy.js';
export { isHold, setSdpDirection } from './sdp/direction.js';
export { offeredEncodings } from './sdp/encodings.js';
export { filterSdpCodecs, sectionsLeftWithoutCodec } from './sdp/filter.js';
export { rewriteSdp, type SdpStream, sdpStreams } from './sdp/rewrite.js';
export type {
  CodecPolicy,
  MediaAnswerRequest,
  MediaDeleteRequest,
  MediaEvent,
  MediaEventListener,
  MediaOfferRequest,
  MediaRelay,
  MediaSessionStatistics,
  MediaStreamStatistics,
  MediaSubscribeRequest,
  MediaSubscription,
  MediaTransportProfile,
  RelayedSdp,
} from './types.js';
