import type { MediaSessionStatistics, MediaStreamStatistics } from '../types.js';
import { mos } from './mos.js';
import type { EndpointStats } from './protocol.js';

/** One endpoint's counters as the interface's streams: its RTP (with loss, jitter, RTT, MOS) and RTCP. */
function streams(e: EndpointStats): MediaStreamStatistics[] {
  const common = { fromTag: e.fromTag, ...(e.label === undefined ? {} : { label: e.label }) };
  const rtp: MediaStreamStatistics = {
    ...common,
    component: 'rtp',
    packets: e.rtp.packets,
    bytes: e.rtp.bytes,
    lost: e.rtp.lost,
    duplicates: e.rtp.duplicates,
    jitterMs: e.rtp.jitterMs,
    dropped: e.rtp.dropped,
  };
  if (e.rttMs !== undefined) rtp.rttMs = e.rttMs;
  if (e.rtp.expected > 0) {
    const lossPercent = (100 * e.rtp.lost) / e.rtp.expected;
    rtp.mos = mos({
      lossPercent,
      jitterMs: e.rtp.jitterMs,
      ...(e.rttMs === undefined ? {} : { rttMs: e.rttMs }),
    });
  }
  if (e.reportedMos !== undefined) rtp.reportedMos = e.reportedMos;
  // One SRTP context per side covers RTP and SRTCP: reported once, on the RTP stream.
  if (e.srtp !== undefined) rtp.srtp = e.srtp;
  if (e.webrtc !== undefined) rtp.webrtc = e.webrtc;
  if (e.rtp.latchedTo !== undefined) rtp.latchedTo = e.rtp.latchedTo;
  if (e.rtp.lastPacketAt !== undefined) rtp.lastPacketAt = e.rtp.lastPacketAt;
  const rtcp: MediaStreamStatistics = {
    ...common,
    component: 'rtcp',
    packets: e.rtcp.packets,
    bytes: e.rtcp.bytes,
    lost: 0,
    duplicates: 0,
    jitterMs: 0,
    dropped: e.rtcp.dropped,
  };
  if (e.rtcp.latchedTo !== undefined) rtcp.latchedTo = e.rtcp.latchedTo;
  if (e.rtcp.lastPacketAt !== undefined) rtcp.lastPacketAt = e.rtcp.lastPacketAt;
  return [rtp, rtcp];
}

export function sessionStatistics(
  callId: string,
  createdAt: number,
  endpoints: EndpointStats[],
): MediaSessionStatistics {
  return { callId, createdAt, streams: endpoints.flatMap(streams) };
}
