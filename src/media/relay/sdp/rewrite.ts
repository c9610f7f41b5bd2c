import { parse, write } from 'sdp-transform';
import type { CryptoAttribute } from '../../srtp/index.js';
import type { CodecPolicy } from '../types.js';
import { applyCodecPolicy, type PayloadEncoding, staticEncoding } from './codec-policy.js';

/** What a side's SDP says about one m= section: where to send, and its payload types. */
export interface SdpStream {
  /** undefined when the section is disabled (port 0) or on hold with a zero address. */
  rtp?: { address: string; port: number };
  rtcp?: { address: string; port: number };
  /** RTP clock rate per payload type (rtpmap, else 8000 for the RFC 3551 static audio types). */
  clockRates: Record<number, number>;
  /** Payload types of RFC 4733 telephone-event. */
  eventPayloads: number[];
  /** The section's port was 0: rejected or disabled (RFC 3264 §6). */
  disabled: boolean;
  /** The m= line's transport protocol (`RTP/AVP`, `RTP/SAVP`, ...). */
  profile: string;
  /** Its a=crypto lines (RFC 4568), as written. */
  crypto: CryptoAttribute[];
  /** ICE credentials (RFC 8839 §5.4), media level else session level. */
  ice?: { ufrag: string; pwd: string };
  /** a=fingerprint (RFC 8122), `sha-256 AB:...`, media level else session level. */
  fingerprint?: string;
  /** a=setup (RFC 4145 §4): who opens DTLS. */
  setup?: string;
  /** a=mid (RFC 5888). */
  mid?: string;
}

function isUnspecified(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::';
}

/**
 * The m= sections of an SDP as the relay needs them. Throws, naming what is wrong, on an SDP
 * without an m= line, without the o= line (RFC 4566 §5.2: mandatory; the relay rewrites it), or
 * with an m= line whose port is not a number (sdp-transform parses such lines leniently).
 */
export function sdpStreams(sdp: string): SdpStream[] {
  const session = parse(sdp);
  if (session.media.length === 0) throw new Error('SDP has no m= line');
  if (session.origin === undefined) throw new Error('SDP has no o= line');
  for (const [i, media] of session.media.entries()) {
    if (!Number.isInteger(media.port) || media.port < 0 || media.port > 65535)
      throw new Error(`SDP m= line ${i + 1} has no usable port`);
  }
  return session.media.map((media) => {
    const ip = media.connection?.ip ?? session.connection?.ip;
    const clockRates: Record<number, number> = {};
    const eventPayloads: number[] = [];
    for (const text of String(media.payloads ?? '').split(' ')) {
      const pt = Number(text);
      if (text === '' || !Number.isInteger(pt)) continue;
      const rtpmap = media.rtp.find((r) => r.payload === pt);
      if (rtpmap !== undefined) {
        clockRates[pt] = rtpmap.rate ?? 8000;
        if (rtpmap.codec.toLowerCase() === 'telephone-event') eventPayloads.push(pt);
      } else if (staticEncoding(pt) !== undefined) {
        clockRates[pt] = 8000;
      }
    }
    const stream: SdpStream = {
      clockRates,
      eventPayloads,
      disabled: media.port === 0,
      profile: String(media.protocol ?? ''),
      crypto: (media.crypto ?? []).map((c) => ({ ...c, id: Number(c.id) })),
    };
    const ufrag = media.iceUfrag ?? session.iceUfrag;
    const pwd = media.icePwd ?? session.icePwd;
    if (ufrag !== undefined && pwd !== undefined) stream.ice = { ufrag: String(ufrag), pwd: String(pwd) };
    const fingerprint = media.fingerprint ?? session.fingerprint;
    if (fingerprint !== undefined) stream.fingerprint = `${fingerprint.type} ${fingerprint.hash}`;
    if (media.setup !== undefined) stream.setup = media.setup;
    if (media.mid !== undefined) stream.mid = String(media.mid);
    if (ip !== undefined && !isUnspecified(ip) && media.port > 0) {
      stream.rtp = { address: ip, port: media.port };
      // RFC 3605: a=rtcp names the RTCP port (and maybe address); else RTP port + 1 (RFC 3550 §11).
      stream.rtcp = { address: media.rtcp?.address ?? ip, port: media.rtcp?.port ?? media.port + 1 };
    }
    return stream;
  });
}

export interface RewriteOptions {
  /** The relay's address the other side is to send to. */
  address: string;
  /** The relay's RTP port per m= section (RTCP on port + 1); 0 keeps a section disabled. */
  ports: readonly number[];
  codecs?: CodecPolicy;
  direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  /** Per m= section: the profile and a=crypto lines to put in (RFC 4568); undefined keeps the section's. */
  profiles?: ReadonlyArray<{ profile: string; crypto: CryptoAttribute[] } | undefined>;
  /** Per m= section: the WebRTC attributes for a WebRTC receiver; undefined: a plain receiver. */
  webrtc?: ReadonlyArray<WebRtcAttributes | undefined>;
}

/** What the relay writes for a WebRTC side (RFC 8829 §5, RFC 8839, RFC 8842, RFC 5761, RFC 8843). */
export interface WebRtcAttributes {
  ufrag: string;
  pwd: string;
  /** The node's certificate fingerprint, `sha-256 AB:...`. */
  fingerprint: string;
  setup: 'actpass' | 'passive';
  mid: string;
}

/** Attributes only a WebRTC (DTLS-SRTP, ICE, BUNDLE) SDP carries: removed for a plain receiver. */
const WEBRTC_ONLY = [
  'fingerprint',
  'setup',
  'mid',
  'msid',
  'ssrcs',
  'ssrcGroups',
  'rtcpFb',
  'ext',
  'extmapAllowMixed',
  'connectionType',
] as const;

type Session = ReturnType<typeof parse>;

/** RFC 8445 §5.1.2.1 priority of the relay's one host candidate: type preference 126, component 1. */
const HOST_PRIORITY = 2130706431;

function writeWebRtc(
  session: Session,
  media: Media,
  attrs: WebRtcAttributes,
  address: string,
  port: number,
): void {
  const m = media as unknown as Record<string, unknown>;
  m.iceUfrag = attrs.ufrag;
  m.icePwd = attrs.pwd;
  const space = attrs.fingerprint.indexOf(' ');
  m.fingerprint = { type: attrs.fingerprint.slice(0, space), hash: attrs.fingerprint.slice(space + 1) };
  m.setup = attrs.setup;
  m.mid = attrs.mid;
  m.rtcpMux = 'rtcp-mux';
  delete media.rtcp;
  if (port > 0) {
    m.candidates = [
      {
        foundation: '1',
        component: 1,
        transport: 'udp',
        priority: HOST_PRIORITY,
        ip: address,
        port,
        type: 'host',
      },
    ];
    m.endOfCandidates = 'end-of-candidates';
  }
  // RFC 8445 §2.5: the relay is a lite agent.
  (session as { icelite?: string }).icelite = 'ice-lite';
}

function stripWebRtc(session: Session, media: Media): void {
  const m = media as unknown as Record<string, unknown>;
  for (const key of WEBRTC_ONLY) delete m[key];
  const s = session as unknown as Record<string, unknown>;
  for (const key of ['fingerprint', 'groups', 'msidSemantic', 'setup', 'extmapAllowMixed']) delete s[key];
}

type Media = ReturnType<typeof parse>['media'][number];

/** A section's codecs filtered and ordered by `policy`, ptime set (a policy leaving none keeps them). */
export function filterCodecs(media: Media, policy: CodecPolicy | undefined): void {
  const offered: PayloadEncoding[] = [];
  for (const text of String(media.payloads ?? '').split(' ')) {
    const payload = Number(text);
    if (text === '' || !Number.isInteger(payload)) continue;
    const encoding = media.rtp.find((r) => r.payload === payload)?.codec ?? staticEncoding(payload);
    offered.push({ payload, encoding: encoding ?? String(payload) });
  }
  const kept = applyCodecPolicy(offered, policy);
  // RFC 3264 §6: an answer must keep at least one format; a policy that leaves none keeps the SDP's.
  if (kept.every((p) => p.encoding.toLowerCase() === 'telephone-event')) return;
  const keep = new Set(kept.map((p) => p.payload));
  media.payloads = kept.map((p) => p.payload).join(' ');
  media.rtp = media.rtp.filter((r) => keep.has(r.payload));
  if (media.fmtp) media.fmtp = media.fmtp.filter((f) => keep.has(f.payload));
  if (media.rtcpFb)
    media.rtcpFb = media.rtcpFb.filter((f) => f.payload === '*' || keep.has(Number(f.payload)));
  if (policy?.ptime !== undefined) media.ptime = policy.ptime;
}

/**
 * The SDP to pass on, pointing at the relay: o= and c= name the relay's address (RFC 4566 §5.2,
 * §5.7), each m= its port, a=rtcp port + 1 (RFC 3605); ICE and rtcp-mux are removed (the relay
 * terminates plain RTP with RTCP on its own port), the codec policy applied, the direction set.
 */
export function rewriteSdp(sdp: string, options: RewriteOptions): string {
  const session = parse(sdp);
  const ipVer = options.address.includes(':') ? 6 : 4;
  session.origin.address = options.address;
  session.origin.ipVer = ipVer;
  session.connection = { version: ipVer, ip: options.address };
  delete (session as { icelite?: string }).icelite;
  delete (session as { iceUfrag?: string }).iceUfrag;
  delete (session as { icePwd?: string }).icePwd;
  if (options.direction !== undefined) delete (session as { direction?: string }).direction;
  const mids: string[] = [];
  session.media.forEach((media, i) => {
    const fromWebRtc = String(media.protocol ?? '').startsWith('UDP/TLS/');
    const port = options.ports[i] ?? 0;
    const disabled = media.port === 0 || port === 0;
    media.port = disabled ? 0 : port;
    delete media.connection;
    const attrs = media as unknown as Record<string, unknown>;
    for (const key of [
      'candidates',
      'iceUfrag',
      'icePwd',
      'iceOptions',
      'endOfCandidates',
      'rtcpMux',
      'rtcpRsize',
    ]) {
      delete attrs[key];
    }
    if (disabled) delete media.rtcp;
    else media.rtcp = { port: port + 1, netType: 'IN', ipVer, address: options.address };
    filterCodecs(media, options.codecs);
    const profile = options.profiles?.[i];
    if (profile !== undefined) {
      media.protocol = profile.profile;
      if (profile.crypto.length > 0) media.crypto = profile.crypto;
      else delete media.crypto;
    }
    if (options.direction !== undefined) media.direction = options.direction;
    const webrtc = options.webrtc?.[i];
    if (webrtc !== undefined) {
      if (fromWebRtc) stripWebRtc(session, media);
      writeWebRtc(session, media, webrtc, options.address, media.port);
      if (media.port > 0) mids.push(webrtc.mid);
    } else if (fromWebRtc) stripWebRtc(session, media);
  });
  // RFC 8843: one BUNDLE group of the WebRTC sections (one audio stream here).
  if (mids.length > 0)
    (session as { groups?: Array<{ type: string; mids: string }> }).groups = [
      { type: 'BUNDLE', mids: mids.join(' ') },
    ];
  return write(session);
}
