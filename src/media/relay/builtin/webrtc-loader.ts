import type { WebRtcTransport } from './webrtc-transport.js';

/**
 * The WebRTC transport (ICE-lite, DTLS-SRTP over werift-dtls), loaded on a thread when that thread
 * is handed the DTLS certificate, which the relay does before any WebRTC side: werift-dtls costs
 * each thread that loads it several MiB of heap and code, and most nodes never see a browser.
 */
let transport: typeof WebRtcTransport | undefined;

export async function loadWebRtc(): Promise<void> {
  transport ??= (await import('./webrtc-transport.js')).WebRtcTransport;
}

export function webRtcTransport(): typeof WebRtcTransport {
  if (transport === undefined)
    throw new Error('WebRTC side configured before the relay handed this engine its DTLS certificate');
  return transport;
}
