import { type MediaDescription, type SessionDescription, write } from 'sdp-transform';
import type { PayloadFormat } from '../types.js';
import { SdpNegotiationError } from './errors.js';
import { type Direction, type OfferedCodec, offeredStreams } from './sdp-offer.js';

export interface SrsAnswerOptions {
  /** The recorder's media address (IPv4 or IPv6), written in c= and o=. */
  address: string;
  /** One port per offered m= line, in order (unused for the lines that get rejected). */
  ports: number[];
  /** Encodings the recorder decodes, any case: PCMU, PCMA, G722, OPUS, TELEPHONE-EVENT. */
  supported: string[];
  /** o= sess-id; also the version (a re-INVITE answer should bump the version itself). */
  sessionId?: string;
  sessionVersion?: number;
}

export interface AnsweredStream {
  index: number;
  /**
   * The offer's a=label, or — when the offer had none — a positional label `m<index>` (0-based
   * m= position), so every recorded leg has a name. Synthesized labels are not written in the SDP.
   */
  label: string;
  labelSynthesized: boolean;
  /** 0 when the m= line is rejected. */
  port: number;
  payloadTypes: Record<number, PayloadFormat>;
  /** The answer's direction: recvonly, or inactive while the SRC holds the stream. */
  direction: Direction;
  offeredDirection: Direction;
  /** Why the line was rejected, when port is 0. */
  rejected?: string;
}

const ACCEPTED_PROTOCOLS = new Set(['RTP/AVP', 'RTP/AVPF']);

/**
 * The SRS's answer to an SRC's offer. RFC 3264 §6: one m= line per offered one, same order.
 * RFC 7866 §8.1.1: the SRS never sends media, so a sendonly/sendrecv stream is answered
 * recvonly, and a recvonly/inactive one (held) inactive. Only payload types the recorder decodes
 * are kept, with the offer's numbers and fmtp (RFC 3264 §6.1); telephone-event only beside an
 * audio codec. Non-audio lines, non-RTP/AVP(F) profiles (no SRTP here) and lines with no usable
 * codec are rejected with port 0 (RFC 3264 §6). Throws SdpNegotiationError when nothing is left.
 */
export function buildSrsAnswer(
  offer: string,
  options: SrsAnswerOptions,
): { sdp: string; streams: AnsweredStream[] } {
  const offered = offeredStreams(offer);
  if (offered.length === 0) throw new SdpNegotiationError('offer has no m= line');
  if (options.ports.length < offered.length) {
    throw new RangeError(`${offered.length} m= lines offered but ${options.ports.length} ports given`);
  }
  const supported = new Set(options.supported.map((s) => s.toUpperCase()));
  const taken = new Set(offered.map((o) => o.label).filter((l) => l !== undefined));
  const media: SessionDescription['media'] = [];
  const streams: AnsweredStream[] = [];
  for (const o of offered) {
    let label = o.label;
    const labelSynthesized = label === undefined;
    if (label === undefined) {
      label = `m${o.index}`;
      for (let n = 1; taken.has(label); n++) label = `m${o.index}-${n}`;
      taken.add(label);
    }
    const audio = o.codecs.filter((c) => c.encoding !== 'TELEPHONE-EVENT' && supported.has(c.encoding));
    const events = o.codecs.filter((c) => c.encoding === 'TELEPHONE-EVENT' && supported.has(c.encoding));
    const reason =
      o.media !== 'audio'
        ? `${o.media} stream not recorded`
        : !ACCEPTED_PROTOCOLS.has(o.protocol)
          ? `profile ${o.protocol} not supported`
          : o.port === 0
            ? 'stream rejected in the offer'
            : audio.length === 0
              ? `no supported codec among ${o.codecs.map((c) => c.encoding).join(', ') || 'none'}`
              : undefined;
    const direction: Direction =
      o.direction === 'sendonly' || o.direction === 'sendrecv' ? 'recvonly' : 'inactive';
    if (reason !== undefined) {
      // RFC 3264 §6: a rejected stream keeps its media type, profile and (some) format; port 0.
      media.push({
        type: o.media,
        port: 0,
        protocol: o.protocol,
        payloads: o.formats[0] ?? '0',
        rtp: [],
        fmtp: [],
      });
      streams.push({
        index: o.index,
        label,
        labelSynthesized,
        port: 0,
        payloadTypes: {},
        direction: 'inactive',
        offeredDirection: o.direction,
        rejected: reason,
      });
      continue;
    }
    const kept: OfferedCodec[] = [...audio, ...events];
    const port = options.ports[o.index]!;
    const m: MediaDescription = {
      type: 'audio',
      port,
      protocol: o.protocol,
      payloads: kept.map((c) => c.payloadType).join(' '),
      rtp: kept.map((c) => ({
        payload: c.payloadType,
        codec: rtpmapName(c.encoding),
        rate: c.clockRate,
        ...(c.channels > 1 ? { encoding: c.channels } : {}),
      })),
      fmtp: kept
        .filter((c) => c.fmtp !== undefined)
        .map((c) => ({ payload: c.payloadType, config: c.fmtp! })),
      direction,
    };
    if (o.ptime !== undefined) m.ptime = o.ptime;
    if (o.label !== undefined) m.label = o.label as unknown as MediaDescription['label'];
    media.push(m);
    const payloadTypes: Record<number, PayloadFormat> = {};
    for (const c of kept)
      payloadTypes[c.payloadType] = { encoding: c.encoding, clockRate: c.clockRate, channels: c.channels };
    streams.push({
      index: o.index,
      label,
      labelSynthesized,
      port,
      payloadTypes,
      direction,
      offeredDirection: o.direction,
    });
  }
  if (streams.every((s) => s.port === 0)) {
    throw new SdpNegotiationError(
      `no recordable stream in the offer: ${streams.map((s) => `m${s.index} ${s.rejected}`).join('; ')}`,
    );
  }
  const ipVer = options.address.includes(':') ? 6 : 4;
  const sessionId = options.sessionId ?? String(Date.now());
  const sdp: SessionDescription = {
    version: 0,
    origin: {
      username: '-',
      sessionId,
      sessionVersion: options.sessionVersion ?? 1,
      netType: 'IN',
      ipVer,
      address: options.address,
    },
    name: '-',
    connection: { version: ipVer, ip: options.address },
    timing: { start: 0, stop: 0 },
    media,
  };
  return { sdp: write(sdp), streams };
}

/** The rtpmap spelling peers expect: upper-case for G.711/G.722, lower for the rest (RFC 4733, RFC 7587). */
function rtpmapName(encoding: string): string {
  if (encoding === 'TELEPHONE-EVENT') return 'telephone-event';
  if (encoding === 'OPUS') return 'opus';
  return encoding;
}
