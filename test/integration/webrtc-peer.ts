import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import {
  createDtlsCertificate,
  DTLS_SRTP_EXPORTER_LABEL,
  DTLS_SRTP_MATERIAL_LENGTH,
  type DtlsCertificate,
  DtlsClient,
  dtlsSrtpKeys,
} from '../../src/media/dtls/index.js';
import { SrtpSession } from '../../src/media/srtp/index.js';
import {
  buildStun,
  parseStun,
  StunAttribute,
  StunClass,
  type StunMessage,
  StunMethod,
} from '../../src/media/stun/index.js';

/**
 * A browser's media side played in a test: one UDP socket carrying STUN checks (ICE controlling),
 * a DTLS client (werift-dtls, active role) and SRTP/SRTCP with the exported keys, all muxed as a
 * browser does (RFC 7983, rtcp-mux, BUNDLE).
 */
export class WebRtcPeer {
  readonly ufrag = randomBytes(4).toString('hex');
  readonly pwd = randomBytes(12).toString('hex');
  readonly rtp: Buffer[] = [];
  readonly rtcp: Buffer[] = [];
  readonly stun: StunMessage[] = [];
  private dtlsInput: (data: Buffer) => void = () => undefined;
  send: SrtpSession | undefined;
  receive: SrtpSession | undefined;

  private constructor(
    readonly socket: Socket,
    readonly port: number,
    readonly certificate: DtlsCertificate,
  ) {
    socket.on('message', (data) => {
      const first = data[0]!;
      if (first <= 3) {
        const m = parseStun(data);
        if (m !== undefined) this.stun.push(m);
      } else if (first >= 20 && first <= 63) this.dtlsInput(data);
      else if (first >= 128 && first <= 191) {
        const isRtcp = data[1]! >= 192 && data[1]! <= 223;
        const plain = isRtcp ? this.receive?.unprotectRtcp(data) : this.receive?.unprotectRtp(data);
        if (plain !== undefined) (isRtcp ? this.rtcp : this.rtp).push(plain);
      }
    });
  }

  static async create(): Promise<WebRtcPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new WebRtcPeer(socket, socket.address().port, await createDtlsCertificate('browser'));
  }

  /** A Chromium-like offer: Opus, PCMU, PCMA, telephone-event; ICE, DTLS actpass, rtcp-mux, BUNDLE. */
  offer(): string {
    return [
      'v=0',
      'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
      's=-',
      't=0 0',
      'a=group:BUNDLE 0',
      'a=extmap-allow-mixed',
      'a=msid-semantic: WMS stream',
      `m=audio ${this.port} UDP/TLS/RTP/SAVPF 111 0 8 126`,
      'c=IN IP4 127.0.0.1',
      'a=rtcp:9 IN IP4 0.0.0.0',
      `a=candidate:1 1 udp 2122260223 127.0.0.1 ${this.port} typ host generation 0`,
      `a=ice-ufrag:${this.ufrag}`,
      `a=ice-pwd:${this.pwd}`,
      'a=ice-options:trickle',
      `a=fingerprint:${this.certificate.fingerprint}`,
      'a=setup:actpass',
      'a=mid:0',
      'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
      'a=sendrecv',
      'a=msid:stream track',
      'a=rtcp-mux',
      'a=rtpmap:111 opus/48000/2',
      'a=rtcp-fb:111 transport-cc',
      'a=fmtp:111 minptime=10;useinbandfec=1',
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:126 telephone-event/8000',
      'a=ssrc:1111 cname:test',
      '',
    ].join('\r\n');
  }

  /** A connectivity check to the relay (RFC 8445 §7.2.2): USERNAME `theirs:ours`, integrity with their pwd. */
  check(
    to: number,
    remote: { ufrag: string; pwd: string },
    options: { useCandidate?: boolean; password?: string } = {},
  ): Buffer {
    const attributes: Array<[number, Buffer]> = [
      [StunAttribute.username, Buffer.from(`${remote.ufrag}:${this.ufrag}`)],
      [StunAttribute.priority, Buffer.from([0x6e, 0, 1, 0xff])],
      [StunAttribute.iceControlling, randomBytes(8)],
    ];
    if (options.useCandidate === true) attributes.push([StunAttribute.useCandidate, Buffer.alloc(0)]);
    const message = buildStun({
      method: StunMethod.binding,
      cls: StunClass.request,
      transactionId: randomBytes(12),
      attributes,
      integrity: options.password ?? remote.pwd,
      fingerprint: true,
    });
    this.socket.send(message, to, '127.0.0.1');
    return message;
  }

  /** DTLS handshake as the active side; SRTP keyed from the exporter (RFC 5764 §4.2). */
  async connect(to: number): Promise<void> {
    const transport = {
      type: 'udp',
      address: { address: '127.0.0.1', family: 'IPv4', port: this.port },
      closed: false,
      onData: (_d: Buffer): void => undefined,
      send: async (d: Buffer) => {
        this.socket.send(d, to, '127.0.0.1');
      },
      close: async () => undefined,
    };
    this.dtlsInput = (d) => transport.onData(d);
    const client = new DtlsClient({
      transport: transport as never,
      cert: this.certificate.certPem,
      key: this.certificate.keyPem,
      signatureHash: { hash: 4, signature: 3 },
      srtpProfiles: [1],
    });
    await client.connect();
    const keys = dtlsSrtpKeys(
      client.exportKeyingMaterial(DTLS_SRTP_EXPORTER_LABEL, DTLS_SRTP_MATERIAL_LENGTH),
      'client',
    );
    const suite = 'AES_CM_128_HMAC_SHA1_80';
    this.send = new SrtpSession(suite, Buffer.from(keys.send.key), Buffer.from(keys.send.salt));
    this.receive = new SrtpSession(suite, Buffer.from(keys.receive.key), Buffer.from(keys.receive.salt));
  }

  close(): void {
    this.socket.close();
  }
}
