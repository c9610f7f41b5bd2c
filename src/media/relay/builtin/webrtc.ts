/**
 * A WebRTC side as the built-in relay's signalling half keeps it, per leg and m= section: our
 * ICE credentials (made here), the side's own (from its SDP) and its certificate fingerprint, the
 * mid, and our DTLS role. The relay is always ICE-lite (RFC 8445 §2.5) and the passive DTLS side
 * (RFC 5763 §5: a=setup:passive in answers, actpass in offers, where the browser answers active).
 */
import { newIceCredentials } from '../../ice/index.js';
import type { SdpStream, WebRtcAttributes } from '../sdp/rewrite.js';
import { MediaRelayError } from './errors.js';
import type { EndpointWebRtc } from './protocol.js';

export const WEBRTC = 'UDP/TLS/RTP/SAVPF';

/** DTLS-SRTP profiles (RFC 5764 §8): with feedback (browsers) or without. */
export function isWebRtcProfile(profile: string): boolean {
  return profile === WEBRTC || profile === 'UDP/TLS/RTP/SAVP';
}

export interface StreamWebRtc {
  ufrag: string;
  pwd: string;
  mid: string;
  setup: 'actpass' | 'passive';
  remoteUfrag?: string;
  remoteFingerprint?: string;
}

function ours(previous: StreamWebRtc | undefined, mid: string, setup: StreamWebRtc['setup']): StreamWebRtc {
  // Credentials kept across re-offers: changing them is an ICE restart (RFC 8445 §9).
  const { ufrag, pwd } = previous ?? newIceCredentials();
  return { ufrag, pwd, mid, setup };
}

function remote(stream: SdpStream, where: string): Pick<StreamWebRtc, 'remoteUfrag' | 'remoteFingerprint'> {
  if (stream.ice === undefined)
    throw new MediaRelayError(
      `${where}: WebRTC section without a=ice-ufrag/a=ice-pwd (RFC 8839 §5.4)`,
      'bad-sdp',
    );
  if (stream.fingerprint === undefined)
    throw new MediaRelayError(`${where}: WebRTC section without a=fingerprint (RFC 8122)`, 'bad-sdp');
  return { remoteUfrag: stream.ice.ufrag, remoteFingerprint: stream.fingerprint };
}

/** A side offered WebRTC: the relay answers passive; an offerer insisting on passive is refused. */
export function webRtcFromOffer(
  stream: SdpStream,
  previous: StreamWebRtc | undefined,
  index: number,
  where: string,
): StreamWebRtc | undefined {
  if (stream.disabled || !isWebRtcProfile(stream.profile)) return undefined;
  if (stream.setup === 'passive')
    throw new MediaRelayError(
      `${where}: a=setup:passive: the relay is the passive DTLS side only (RFC 5763 §5), the offerer must be active or actpass`,
      'unsupported',
    );
  return { ...ours(previous, stream.mid ?? String(index), 'passive'), ...remote(stream, where) };
}

/** The relay offers WebRTC to a side: actpass, our mid. */
export function webRtcTowards(
  profile: string,
  previous: StreamWebRtc | undefined,
  index: number,
): StreamWebRtc | undefined {
  if (!isWebRtcProfile(profile)) return undefined;
  return { ...previous, ...ours(previous, previous?.mid ?? String(index), 'actpass') };
}

/** A side answered the relay's WebRTC offer: it must take the active role (RFC 5763 §5). */
export function webRtcFromAnswer(
  stream: SdpStream,
  offered: StreamWebRtc | undefined,
  where: string,
): StreamWebRtc | undefined {
  if (offered === undefined || stream.disabled || !isWebRtcProfile(stream.profile)) return undefined;
  if (stream.setup !== undefined && stream.setup !== 'active')
    throw new MediaRelayError(
      `${where}: a=setup:${stream.setup}: the relay is the passive DTLS side only, the answerer must be active (RFC 5763 §5)`,
      'unsupported',
    );
  return { ...offered, setup: 'passive', ...remote(stream, where) };
}

/** What the SDP to this side carries. */
export function webRtcAttributes(
  w: StreamWebRtc | undefined,
  fingerprint: string,
): WebRtcAttributes | undefined {
  if (w === undefined) return undefined;
  return { ufrag: w.ufrag, pwd: w.pwd, fingerprint, setup: w.setup, mid: w.mid };
}

/** What the endpoint in the worker needs. */
export function endpointWebRtc(w: StreamWebRtc | undefined, consentMs: number): EndpointWebRtc | undefined {
  if (w === undefined) return undefined;
  const out: EndpointWebRtc = { iceUfrag: w.ufrag, icePwd: w.pwd, consentMs };
  if (w.remoteUfrag !== undefined) out.remoteUfrag = w.remoteUfrag;
  if (w.remoteFingerprint !== undefined) out.remoteFingerprint = w.remoteFingerprint;
  return out;
}
