import type { DtlsCertificate, SrtpKeyPair } from '../../dtls/index.js';
import { RtpStreamStatistics } from '../../rtp/index.js';
import type { SendingDatagramSocket, SourceKey } from '../../udp/index.js';
import { demultiplex } from './demux.js';
import { DtmfDetector } from './dtmf.js';
import { type Address, Latch } from './latching.js';
import type { ComponentStats, DropReason, EndpointConfig, EndpointStats } from './protocol.js';
import { parseRtcp } from './rtcp.js';
import { EndpointSrtpContext } from './srtp-context.js';
import { webRtcTransport } from './webrtc-loader.js';
import type { WebRtcTransport } from './webrtc-transport.js';

/** What an endpoint reports to its engine. */
export interface EndpointHost {
  endpoint(id: number): Endpoint | undefined;
  relayed(bytes: number): void;
  /** A packet copied to a recorder (MediaRelay.subscribe). */
  forked(): void;
  dropped(reason: Exclude<DropReason, 'send'>): void;
  dtmf(endpoint: Endpoint, digit: string, durationMs: number, at: number): void;
  latched(endpoint: Endpoint, address: Address, at: number): void;
  /** The node's DTLS certificate (WebRTC sides), once made. */
  certificate(): Pick<DtlsCertificate, 'certPem' | 'keyPem'> | undefined;
  now(): number;
}

class Component {
  packets = 0;
  bytes = 0;
  dropped = 0;
  lastPacketAt = 0;
  readonly latch: Latch;
  constructor(address: Address | undefined, latch: boolean, socket: SendingDatagramSocket) {
    this.latch = new Latch(address, latch, (key) => socket.describe(key));
  }
  stats(): ComponentStats {
    const out: ComponentStats = { packets: this.packets, bytes: this.bytes, dropped: this.dropped };
    const to = this.latch.latchedTo;
    if (to !== undefined)
      out.latchedTo = to.address.includes(':') ? `[${to.address}]:${to.port}` : `${to.address}:${to.port}`;
    if (this.lastPacketAt > 0) out.lastPacketAt = this.lastPacketAt;
    return out;
  }
}

/** SRs relayed towards a side, kept to match its RRs' LSR; a handful is enough (one per 5 s). */
const SR_MEMORY = 8;

/**
 * One side's port pair for one m= section, in a relay worker: checks each packet's source against
 * the latch, counts and measures it (RFC 3550 statistics, RFC 4733 DTMF, RTCP SR/RR/XR), and
 * sends it on from the peer endpoint's socket to the peer side.
 */
export class Endpoint {
  config: EndpointConfig;
  private readonly rtp: Component;
  private readonly rtcp: Component;
  private readonly statistics = new RtpStreamStatistics();
  private readonly detectors = new Map<number, DtmfDetector>();
  /** NTP middle 32 bits of SRs relayed to this side → when (ms). */
  private readonly srSent: Array<{ ntp: number; at: number }> = [];
  private rttMs: number | undefined;
  private reportedMos: number | undefined;
  /** Only for a side speaking SRTP; plain RTP never touches it. */
  private srtp: EndpointSrtpContext | undefined;
  /** Only for a WebRTC side: ICE-lite, consent, DTLS-SRTP, all on the RTP port (rtcp-mux). */
  private webrtc: WebRtcTransport | undefined;

  constructor(
    readonly id: number,
    readonly port: number,
    readonly rtpSocket: SendingDatagramSocket,
    readonly rtcpSocket: SendingDatagramSocket,
    config: EndpointConfig,
    private readonly host: EndpointHost,
  ) {
    this.config = config;
    this.rtp = new Component(config.rtp, config.latch, rtpSocket);
    this.rtcp = new Component(config.rtcp, config.latch, rtcpSocket);
    this.srtp = EndpointSrtpContext.update(undefined, config.srtp);
    rtpSocket.listen((data, source, at) => this.onMuxed(data, source, at));
    rtcpSocket.listen((data, source, at) => this.onRtcp(data, source, at));
  }

  configure(config: EndpointConfig): void {
    this.config = config;
    if (config.webrtc !== undefined) {
      // ICE chooses the address (RFC 8445), not the SDP; keys come from DTLS (RFC 5764), not SDP.
      if (this.webrtc === undefined) {
        this.webrtc = new (webRtcTransport())(config.webrtc, this.webRtcHost());
        this.rtp.latch.update(undefined, true);
        this.rtcp.latch.update(undefined, true);
      } else this.webrtc.update(config.webrtc);
      return;
    }
    this.webrtc?.close();
    this.webrtc = undefined;
    this.rtp.latch.update(config.rtp, config.latch);
    this.rtcp.latch.update(config.rtcp, config.latch);
    this.srtp = EndpointSrtpContext.update(this.srtp, config.srtp);
  }

  private webRtcHost() {
    return {
      send: (data: Buffer, to: Address) => this.rtpSocket.send(data, to.port, to.address),
      describe: (source: SourceKey) => this.rtpSocket.describe(source),
      nominate: (source: SourceKey, at: number) => {
        this.rtp.latch.nominate(source);
        this.rtcp.latch.nominate(source);
        this.host.latched(this, this.rtp.latch.latchedTo!, at);
      },
      keys: (keys: SrtpKeyPair) => {
        this.srtp = EndpointSrtpContext.update(undefined, {
          suite: 'AES_CM_128_HMAC_SHA1_80',
          receive: keys.receive,
          send: keys.send,
        });
      },
      dropped: (reason: 'stun' | 'dtls') => this.host.dropped(reason),
      certificate: () => this.host.certificate(),
    };
  }

  /** Consent lost (RFC 7675 §5.2) on a WebRTC side: reported once per loss. */
  consentExpired(now: number): boolean {
    return this.webrtc?.consent.justExpired(now) ?? false;
  }

  /** Releases what the endpoint holds besides its sockets (a DTLS association). */
  close(): void {
    this.webrtc?.close();
    this.webrtc = undefined;
  }

  /**
   * The RTP port. A WebRTC side multiplexes STUN, DTLS, SRTP and SRTCP on it (RFC 7983 §7,
   * rtcp-mux RFC 5761 §4); another side sends only RTP there.
   */
  private onMuxed(data: Buffer, source: SourceKey, at: number): void {
    const webrtc = this.webrtc;
    if (webrtc === undefined) {
      this.onRtp(data, source, at);
      return;
    }
    switch (demultiplex(data)) {
      case 'stun':
        webrtc.stun(data, source, at);
        return;
      case 'dtls':
        webrtc.dtlsRecord(data, source);
        return;
      case 'rtp':
        this.onRtp(data, source, at);
        return;
      case 'rtcp':
        this.onRtcp(data, source, at);
        return;
      default:
        this.rtp.dropped++;
        this.host.dropped('malformed');
    }
  }

  /** Sends that failed on this endpoint's sockets (node:dgram reports them as socket errors). */
  get sendErrors(): number {
    return this.rtpSocket.sendErrors + this.rtcpSocket.sendErrors;
  }

  get lastPacketAt(): number {
    return Math.max(this.rtp.lastPacketAt, this.rtcp.lastPacketAt);
  }

  private accept(component: Component, source: SourceKey, at: number): boolean {
    if (this.webrtc !== undefined) {
      // RFC 8445 §7.3: media only on the pair ICE validated; nothing is learnt from media itself.
      if (source === this.webrtc.selected) return true;
      component.dropped++;
      this.host.dropped('source');
      return false;
    }
    const verdict = component.latch.check(source, at);
    if (verdict === 'drop') {
      component.dropped++;
      this.host.dropped('source');
      return false;
    }
    if (verdict === 'latched' && component === this.rtp)
      this.host.latched(this, component.latch.latchedTo!, at);
    return true;
  }

  private onRtp(received: Buffer, source: SourceKey, at: number): void {
    // RFC 3550 §5.1: version 2 and a whole fixed header, else not RTP.
    if (received.length < 12 || received[0]! >> 6 !== 2) {
      this.rtp.dropped++;
      this.host.dropped('malformed');
      return;
    }
    // RFC 3711 §3.3: authenticate (and decrypt) before anything else, latching included.
    const data = this.srtp === undefined ? received : this.srtp.unprotectRtp(received);
    if (data === undefined) {
      this.rtp.dropped++;
      this.host.dropped('srtp');
      return;
    }
    if (!this.accept(this.rtp, source, at)) return;
    this.rtp.packets++;
    this.rtp.bytes += data.length;
    this.rtp.lastPacketAt = at;
    const pt = data[1]! & 0x7f;
    const seq = (data[2]! << 8) | data[3]!;
    const timestamp = data.readUInt32BE(4);
    const ssrc = data.readUInt32BE(8);
    const events = this.config.eventPayloads;
    const isEvent = events.length > 0 && events.includes(pt);
    this.statistics.update(ssrc, seq, timestamp, at, isEvent ? 0 : (this.config.clockRates[pt] ?? 8000));
    if (isEvent) this.onEvent(data, pt, timestamp, at);
    if (this.config.forks !== undefined) this.fork(data, false);
    this.forward(data, false);
  }

  private onEvent(data: Buffer, pt: number, timestamp: number, at: number): void {
    const headerLength = 12 + (data[0]! & 0x0f) * 4;
    if (data.length < headerLength + 4) return;
    let detector = this.detectors.get(pt);
    if (detector === undefined) {
      detector = new DtmfDetector(this.config.clockRates[pt] ?? 8000);
      this.detectors.set(pt, detector);
    }
    const digit = detector.packet(data.subarray(headerLength), timestamp);
    if (digit !== undefined) this.host.dtmf(this, digit.digit, digit.durationMs, at);
  }

  private onRtcp(received: Buffer, source: SourceKey, at: number): void {
    const data = this.srtp === undefined ? received : this.srtp.unprotectRtcp(received);
    if (data === undefined) {
      this.rtcp.dropped++;
      this.host.dropped('srtp');
      return;
    }
    const compound = parseRtcp(data);
    if (compound === undefined) {
      this.rtcp.dropped++;
      this.host.dropped('malformed');
      return;
    }
    if (!this.accept(this.rtcp, source, at)) return;
    this.rtcp.packets++;
    this.rtcp.bytes += data.length;
    this.rtcp.lastPacketAt = at;
    // RFC 3550 §6.4.1: RTT = A − LSR − DLSR, with LSR mapped to when this relay sent that SR on.
    for (const block of compound.reportBlocks) {
      if (block.lastSr === 0) continue;
      const sent = this.srSent.find((s) => s.ntp === block.lastSr);
      if (sent !== undefined) {
        const rtt = at - sent.at - (block.delaySinceLastSr * 1000) / 65536;
        if (rtt >= 0) this.rttMs = rtt;
      }
    }
    const xr = compound.voipMetrics.at(-1);
    const xrMos = xr?.mosCq ?? xr?.mosLq;
    if (xrMos !== undefined) this.reportedMos = xrMos;
    if (this.config.forks !== undefined) this.fork(data, true);
    const peer = this.forward(data, true);
    if (peer !== undefined) {
      for (const sr of compound.senderReports) peer.rememberSr(sr.ntpMiddle, at);
    }
  }

  /** An SR went out towards this side at `at` (its NTP middle word is what RRs echo as LSR). */
  rememberSr(ntp: number, at: number): void {
    this.srSent.push({ ntp, at });
    if (this.srSent.length > SR_MEMORY) this.srSent.shift();
  }

  /** Copies an accepted packet, plain (SRTP already removed), to each recorder forked from this side. */
  private fork(data: Buffer, rtcp: boolean): void {
    for (const fork of this.config.forks!) {
      const from = this.host.endpoint(fork.endpoint);
      const to = rtcp ? fork.rtcp : fork.rtp;
      if (from === undefined || to === undefined) continue;
      (rtcp ? from.rtcpSocket : from.rtpSocket).send(data, to.port, to.address);
      this.host.forked();
    }
  }

  private forward(data: Buffer, rtcp: boolean): Endpoint | undefined {
    const peer = this.config.peer === undefined ? undefined : this.host.endpoint(this.config.peer);
    const muxed = peer?.webrtc !== undefined;
    const to = peer === undefined ? undefined : (rtcp && !muxed ? peer.rtcp : peer.rtp).latch.destination;
    if (peer === undefined || to === undefined) {
      this.host.dropped('unrouted');
      return undefined;
    }
    // RFC 7675 §5.2: without consent from a WebRTC side nothing is sent to it.
    if (muxed && !peer.webrtc!.consent.granted(this.host.now())) {
      this.host.dropped('consent');
      return undefined;
    }
    const out =
      peer.srtp === undefined ? data : rtcp ? peer.srtp.protectRtcp(data) : peer.srtp.protectRtp(data);
    if (out === undefined) {
      this.host.dropped('srtp');
      return undefined;
    }
    (rtcp && !muxed ? peer.rtcpSocket : peer.rtpSocket).send(out, to.port, to.address);
    this.host.relayed(out.length);
    return peer;
  }

  stats(): EndpointStats {
    const out: EndpointStats = {
      id: this.id,
      callId: this.config.callId,
      fromTag: this.config.fromTag,
      rtp: {
        ...this.rtp.stats(),
        lost: this.statistics.lost,
        expected: this.statistics.expected,
        duplicates: this.statistics.duplicates,
        jitterMs: this.statistics.jitterMs,
      },
      rtcp: this.rtcp.stats(),
    };
    if (this.srtp !== undefined) out.srtp = { ...this.srtp.counters };
    if (this.config.label !== undefined) out.label = this.config.label;
    if (this.rttMs !== undefined) out.rttMs = this.rttMs;
    if (this.reportedMos !== undefined) out.reportedMos = this.reportedMos;
    if (this.webrtc !== undefined) out.webrtc = this.webrtc.stats(this.host.now());
    return out;
  }
}
