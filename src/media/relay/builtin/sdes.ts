/**
 * SDES (RFC 4568) as the built-in relay terminates it: per leg and m= section, the keys this side
 * sends with (remote, from its a=crypto) and the keys the relay sends to it with (local, made
 * here with crypto.randomBytes). The relay answers an RTP/SAVP offer itself and offers its own
 * keys to an RTP/SAVP answerer, so SRTP never crosses it: the other side may be plain RTP/AVP.
 */
import {
  type CryptoAttribute,
  cryptoAttribute,
  newCrypto,
  parseCrypto,
  type SdesCrypto,
  SRTP_SUITES,
} from '../../srtp/index.js';
import type { SdpStream } from '../sdp/rewrite.js';
import { MediaRelayError } from './errors.js';
import type { EndpointSrtp } from './protocol.js';

export const SAVP = 'RTP/SAVP';
export const AVP = 'RTP/AVP';

export interface StreamSdes {
  profile: string;
  /** SRTP is in use on this side: RTP/SAVP, or best-effort SRTP (a=crypto in an RTP/AVP section). */
  srtp: boolean;
  /** Offered or agreed relay keys; one once the suite is agreed. */
  local: SdesCrypto[];
  /** The side's own key, once known. */
  remote?: SdesCrypto;
}

/** Keeps an existing key of the same tag and suite across re-offers (no needless rekeying). */
function keep(previous: SdesCrypto[] | undefined, tag: number, suite: SdesCrypto['suite']): SdesCrypto {
  return previous?.find((c) => c.tag === tag && c.suite === suite) ?? newCrypto(tag, suite);
}

/** The first a=crypto line the relay supports (RFC 4568 §7.1.1: the answerer picks one), else an error listing why none. */
function chooseCrypto(lines: CryptoAttribute[], where: string): SdesCrypto {
  const reasons: string[] = [];
  for (const line of lines) {
    const parsed = parseCrypto(line);
    if (!(parsed instanceof Error)) return parsed;
    reasons.push(parsed.message);
  }
  throw new MediaRelayError(
    lines.length === 0
      ? `${where}: RTP/SAVP without an a=crypto line (SDES, RFC 4568, is the only SRTP keying supported here)`
      : `${where}: no usable a=crypto line: ${reasons.join('; ')}`,
    'unsupported',
  );
}

/** What the relay keeps for a side that offered `stream` (it will answer with one key of the chosen suite). */
export function fromOffer(stream: SdpStream, previous: StreamSdes | undefined, where: string): StreamSdes {
  const plain: StreamSdes = { profile: stream.profile, srtp: false, local: [] };
  if (stream.disabled) return plain;
  // Best-effort SRTP (baresip's `mediaenc srtp`, RFC 4568 §7.1.1 on an RTP/AVP section): answered
  // in kind when a line is usable, else plain RTP, which is what the offerer falls back to.
  if (stream.profile === AVP && stream.crypto.length > 0) {
    try {
      const remote = chooseCrypto(stream.crypto, where);
      return { profile: AVP, srtp: true, remote, local: [keep(previous?.local, remote.tag, remote.suite)] };
    } catch {
      return plain;
    }
  }
  if (stream.profile !== SAVP) return plain;
  const remote = chooseCrypto(stream.crypto, where);
  return { profile: SAVP, srtp: true, remote, local: [keep(previous?.local, remote.tag, remote.suite)] };
}

/** The relay's offer to a side in `profile`: for RTP/SAVP one key per supported suite, tags 1, 2. */
export function towards(profile: string, previous: StreamSdes | undefined): StreamSdes {
  if (profile !== SAVP) return { profile, srtp: false, local: [] };
  // A re-offer to a side already keyed offers the agreed key again: media keeps flowing meanwhile.
  if (previous?.profile === SAVP && previous.remote !== undefined && previous.local.length === 1)
    return previous;
  return { profile, srtp: true, local: SRTP_SUITES.map((suite, i) => keep(previous?.local, i + 1, suite)) };
}

/**
 * What the relay keeps after `stream` answered its offer `offered`. An answer in RTP/AVP to an
 * RTP/SAVP offer is taken as that side declining SRTP (best-effort SRTP, as baresip's
 * `mediaenc srtp` does it): the side is then plain.
 */
export function fromAnswer(stream: SdpStream, offered: StreamSdes | undefined, where: string): StreamSdes {
  if (stream.profile !== SAVP || stream.disabled) return { profile: stream.profile, srtp: false, local: [] };
  const remote = chooseCrypto(stream.crypto, where);
  const local = offered?.local.find((c) => c.tag === remote.tag && c.suite === remote.suite);
  if (local === undefined)
    throw new MediaRelayError(
      `${where}: a=crypto:${remote.tag} ${remote.suite} answers no crypto line the relay offered`,
      'bad-sdp',
    );
  return { profile: SAVP, srtp: true, remote, local: [local] };
}

/** The profile and a=crypto lines for the SDP handed to the side `sdes` describes. */
export function sdpProfile(
  sdes: StreamSdes | undefined,
): { profile: string; crypto: CryptoAttribute[] } | undefined {
  if (sdes === undefined || sdes.profile === '') return undefined;
  return { profile: sdes.profile, crypto: sdes.local.map(cryptoAttribute) };
}

/** The endpoint's SRTP keys; undefined for plain RTP. Either direction missing: its packets are dropped. */
export function endpointSrtp(sdes: StreamSdes | undefined): EndpointSrtp | undefined {
  if (sdes?.srtp !== true) return undefined;
  const local = sdes.local.length === 1 ? sdes.local[0] : undefined;
  const out: EndpointSrtp = { suite: (sdes.remote ?? local ?? { suite: SRTP_SUITES[0]! }).suite };
  if (sdes.remote !== undefined) out.receive = { key: sdes.remote.key, salt: sdes.remote.salt };
  if (local !== undefined) out.send = { key: local.key, salt: local.salt };
  return out;
}
