/**
 * A recorder's subscription to a session's media (MediaRelay.subscribe, as rtpengine's ng
 * `subscribe request`): one forked stream per side and m= section, each with its own relay port
 * pair that sends the copies, offered sendonly in a plain RTP/AVP SDP (SRTP is removed before the
 * fork: the recorder gets what the relay decrypted).
 */
import { parse, write } from 'sdp-transform';
import type { Address } from './latching.js';

export interface ForkedStream {
  /** The side whose sent media this stream carries. */
  tag: string;
  /** Its m= section in that side's SDP, 0-based. */
  index: number;
  /** a=label (RFC 7866 §8.1.1), unique within the subscription. */
  label: string;
  /** The relay port pair the copies leave from. */
  endpoint: { id: number; port: number };
  /** The recorder's ports, once it answered (undefined: not answered, or it rejected the stream). */
  to?: { rtp: Address; rtcp?: Address };
}

export interface Subscription {
  toTag: string;
  streams: ForkedStream[];
}

/** What the SDP of a forked stream is made from: the side's media section and who declared its payload types. */
export interface ForkSource {
  stream: ForkedStream;
  /** The SDP whose m= section `stream.index` names the payload types the side sends with. */
  sdp: string;
}

/**
 * The subscription's offer: o= and c= the relay's address, one sendonly RTP/AVP m= per forked
 * stream with the source section's codecs (rtpmap, fmtp, ptime), a=rtcp port + 1 (RFC 3605), and
 * a=label when `siprec` (RFC 7866 §8.1.1 labels every stream the SRS receives).
 */
export function subscriptionSdp(
  sources: ForkSource[],
  address: string,
  siprec: boolean,
  now: number,
): string {
  const ipVer = address.includes(':') ? 6 : 4;
  const version = Math.floor(now / 1000);
  const parsed = new Map<string, ReturnType<typeof parse>>();
  const media = sources.map(({ stream, sdp }) => {
    let session = parsed.get(sdp);
    if (session === undefined) {
      session = parse(sdp);
      parsed.set(sdp, session);
    }
    const source = session.media[stream.index]!;
    const port = stream.endpoint.port;
    const section: ReturnType<typeof parse>['media'][number] = {
      type: source.type,
      port,
      protocol: 'RTP/AVP',
      payloads: source.payloads,
      rtp: source.rtp,
      fmtp: source.fmtp ?? [],
      rtcp: { port: port + 1, netType: 'IN', ipVer, address },
      direction: 'sendonly',
    };
    if (source.ptime !== undefined) section.ptime = source.ptime;
    if (siprec) (section as { label?: string }).label = stream.label;
    return section;
  });
  return write({
    version: 0,
    origin: {
      username: '-',
      sessionId: version,
      sessionVersion: version,
      netType: 'IN',
      ipVer,
      address,
    },
    name: 'switchboard fork',
    connection: { version: ipVer, ip: address },
    timing: { start: 0, stop: 0 },
    media,
  });
}
