import type { MediaTransportProfile } from '../media/relay/index.js';
import type { SrtpChoice } from '../store/index.js';

/**
 * The transport of the leg an offer goes to (rtpengine's transport-protocol flag), as an SBC
 * decides it: the relay terminates the caller's SRTP, and the callee leg is plain RTP/AVP unless
 * the callee's side asks for SDES (its call policy's `srtp sdes`: RTP/SAVP with the relay's own
 * a=crypto, RFC 4568). SIP phones and trunks speak neither DTLS-SRTP nor ICE, so a WebRTC caller's
 * callee leg is plain too. Offers back to the caller keep the caller's own profile (an SDES or
 * WebRTC caller refuses a plain re-offer; a plain caller must not get the callee's SRTP).
 * Undefined: as offered (a profile the decision does not know, e.g. T.38's udptl, RTP/AVPF).
 */
export function legTransport(
  toCallee: boolean,
  callerProfile: string | undefined,
  calleeSrtp?: SrtpChoice,
): MediaTransportProfile | undefined {
  const caller = knownProfile(callerProfile);
  if (caller === undefined) return undefined;
  if (!toCallee) return caller;
  return calleeSrtp === 'sdes' ? 'RTP/SAVP' : 'RTP/AVP';
}

/** The caller's m= profile as one of the relay's transports (WebRTC with or without the F). */
function knownProfile(profile: string | undefined): MediaTransportProfile | undefined {
  if (profile === 'RTP/AVP' || profile === 'RTP/SAVP') return profile;
  if (profile === 'UDP/TLS/RTP/SAVP' || profile === 'UDP/TLS/RTP/SAVPF') return 'UDP/TLS/RTP/SAVPF';
  return undefined;
}
