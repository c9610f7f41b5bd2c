export {
  type NgCodecOptions,
  ngCodecOptions,
  RtpengineMediaRelay,
  type RtpengineMediaRelayOptions,
  rtpengineSessionStatistics,
} from './rtpengine/index.js';
export { applyCodecPolicy, type PayloadEncoding } from './sdp/codec-policy.js';
export { setSdpDirection } from './sdp/direction.js';
export { offeredEncodings } from './sdp/encodings.js';
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
