export { type NgCodecOptions, ngCodecOptions } from './codec-flags.js';
export { RtpengineMediaRelay, type RtpengineMediaRelayOptions } from './relay.js';
export { sessionStatistics as rtpengineSessionStatistics } from './statistics.js';
