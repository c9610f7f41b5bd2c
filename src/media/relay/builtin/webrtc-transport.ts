import { type DtlsCertificate, DtlsSrtpServer, type SrtpKeyPair } from '../../dtls/index.js';
import { ConsentFreshness, IceLiteResponder } from '../../ice/index.js';
import type { SourceKey } from '../../udp/index.js';
import { wellFormedDtls } from './demux.js';
import type { Address } from './latching.js';
import type { EndpointWebRtc, WebRtcStats } from './protocol.js';

/** What a WebRTC side's transport asks of its endpoint. */
export interface WebRtcHost {
  /** Sends on the side's one port (rtcp-mux, BUNDLE): STUN responses and DTLS records. */
  send(data: Buffer, to: Address): void;
  /** The address and port of a socket's source key. */
  describe(source: SourceKey): Address;
  /** ICE chose this source: latch RTP and RTCP to it. */
  nominate(source: SourceKey, at: number): void;
  /** The DTLS handshake finished: SRTP keys for both directions. */
  keys(keys: SrtpKeyPair): void;
  dropped(reason: 'stun' | 'dtls'): void;
  /** The node's DTLS certificate, once made. */
  certificate(): Pick<DtlsCertificate, 'certPem' | 'keyPem'> | undefined;
}

/**
 * One WebRTC side's transport in a relay worker: ICE-lite answering the browser's checks
 * (RFC 8445 §7.3), consent freshness (RFC 7675), and the passive DTLS-SRTP handshake (RFC 5763)
 * on the same port. Media flows only to a source that passed a check; DTLS is taken only from it.
 */
export class WebRtcTransport {
  private readonly responder: IceLiteResponder;
  readonly consent: ConsentFreshness;
  private dtls: DtlsSrtpServer | undefined;
  private dtlsState: WebRtcStats['dtls'] = 'new';
  private nominated: SourceKey | undefined;
  private readonly counts = { stunRefused: 0, dtlsDropped: 0 };

  constructor(
    private config: EndpointWebRtc,
    private readonly host: WebRtcHost,
  ) {
    this.responder = new IceLiteResponder(this.credentials(config));
    this.consent = new ConsentFreshness(config.consentMs);
  }

  private credentials(config: EndpointWebRtc) {
    return {
      localUfrag: config.iceUfrag,
      localPwd: config.icePwd,
      ...(config.remoteUfrag === undefined ? {} : { remoteUfrag: config.remoteUfrag }),
    };
  }

  update(config: EndpointWebRtc): void {
    // A new remote fingerprint is a new DTLS association (RFC 5763 §6.7.1).
    if (config.remoteFingerprint !== this.config.remoteFingerprint && this.dtlsState !== 'new') {
      this.dtls?.close();
      this.dtls = undefined;
      this.dtlsState = 'new';
    }
    this.config = config;
    this.responder.update(this.credentials(config));
  }

  /** The source ICE chose (the socket's source key). */
  get selected(): SourceKey | undefined {
    return this.nominated;
  }

  /** A datagram whose first byte says STUN (RFC 7983). */
  stun(data: Buffer, source: SourceKey, at: number): void {
    const from = this.host.describe(source);
    const verdict = this.responder.handle(data, from.address, from.port);
    if (!verdict.ok) {
      if (verdict.reason !== 'ignored') {
        this.counts.stunRefused++;
        this.host.dropped('stun');
      }
      if (verdict.response !== undefined) this.host.send(verdict.response, from);
      return;
    }
    // RFC 8445 §7.3.1.5: USE-CANDIDATE nominates; until then the first valid pair carries media.
    if (this.nominated === undefined || (verdict.nominated && this.nominated !== source)) {
      this.nominated = source;
      this.host.nominate(source, at);
    }
    if (source === this.nominated) this.consent.refresh(at);
    this.host.send(verdict.response, from);
  }

  /** A datagram whose first byte says DTLS (RFC 7983). */
  dtlsRecord(data: Buffer, source: SourceKey): void {
    if (source !== this.nominated || !wellFormedDtls(data) || this.dtlsState === 'failed') {
      this.counts.dtlsDropped++;
      this.host.dropped('dtls');
      return;
    }
    if (this.dtls === undefined) {
      const certificate = this.host.certificate();
      if (certificate === undefined) {
        this.counts.dtlsDropped++;
        this.host.dropped('dtls');
        return;
      }
      this.dtls = new DtlsSrtpServer({
        certificate,
        ...(this.config.remoteFingerprint === undefined
          ? {}
          : { remoteFingerprint: this.config.remoteFingerprint }),
        send: (record) => {
          if (this.nominated !== undefined) this.host.send(record, this.host.describe(this.nominated));
        },
        onKeys: (keys) => {
          this.dtlsState = 'connected';
          this.host.keys(keys);
        },
        onError: () => {
          this.dtlsState = 'failed';
          this.counts.dtlsDropped++;
          this.host.dropped('dtls');
        },
      });
    }
    this.dtls.receive(data);
  }

  stats(now: number): WebRtcStats {
    const out: WebRtcStats = {
      dtls: this.dtlsState,
      consent: this.consent.granted(now),
      stunRefused: this.counts.stunRefused,
      dtlsDropped: this.counts.dtlsDropped,
    };
    if (this.nominated !== undefined) {
      const { port, address } = this.host.describe(this.nominated);
      out.selected = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
    }
    return out;
  }

  close(): void {
    this.dtls?.close();
    this.dtls = undefined;
  }
}
