export { buildRtpPacket, parseRtpPacket, type RtpPacket } from './packet.js';
export { RtpStreamStatistics, type SequenceVerdict } from './statistics.js';
