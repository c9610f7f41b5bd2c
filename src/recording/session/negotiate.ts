import { supportedEncodings } from '../../media/codec/index.js';
import type { RtpPortAllocation, RtpPortRange } from '../../media/udp/index.js';
import { type AnsweredStream, buildSrsAnswer, offeredStreams } from '../siprec/index.js';
import type { RecordingLeg } from '../types.js';

/** Encodings the recorder can decode (and so keep in its answer), RFC 4733 events included. */
export const RECORDABLE_ENCODINGS = [...supportedEncodings.map((e) => e.encoding), 'TELEPHONE-EVENT'];

/** An answer to a sendonly offer (rtpengine's subscribe SDP, a SIPREC client's SDP) and its ports. */
export interface NegotiatedMedia {
  sdp: string;
  /** The address the answer announces (the recorder's, or its advertised one behind NAT). */
  address: string;
  streams: AnsweredStream[];
  /** The accepted streams as recorded legs, leg i on `allocations[i]`. */
  legs: RecordingLeg[];
  allocations: RtpPortAllocation[];
}

/**
 * Binds one port pair per offered m= line, builds the recvonly answer, and keeps the pairs of the
 * accepted lines only. Throws SdpNegotiationError (nothing usable) or RtpPortRangeExhaustedError,
 * with every port released again.
 */
export async function negotiateRecording(
  offer: string,
  ports: RtpPortRange,
  address: string,
): Promise<NegotiatedMedia> {
  const taken: RtpPortAllocation[] = [];
  try {
    const lines = offeredStreams(offer).length;
    for (let i = 0; i < lines; i++) taken.push(await ports.allocate());
    const answer = buildSrsAnswer(offer, {
      address,
      ports: taken.map((a) => a.port),
      supported: RECORDABLE_ENCODINGS,
    });
    const legs: RecordingLeg[] = [];
    const allocations: RtpPortAllocation[] = [];
    for (const stream of answer.streams) {
      const allocation = taken[stream.index]!;
      if (stream.port === 0) {
        void allocation.release();
        continue;
      }
      legs.push({ index: legs.length, label: stream.label, payloadTypes: stream.payloadTypes });
      allocations.push(allocation);
    }
    return { sdp: answer.sdp, address, streams: answer.streams, legs, allocations };
  } catch (e) {
    for (const a of taken) void a.release();
    throw e;
  }
}
