import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

/**
 * A tiny SIP-over-UDP REGISTER client with its own RFC 7616 digest, independent of src/: for the
 * cases SIPp 3.6.1 cannot express (a replayed nonce-count, SHA-256 Digest).
 */

export interface SipResponse {
  status: number;
  reason: string;
  headers: string[];
  raw: string;
}

export interface DigestChallenge {
  realm: string;
  nonce: string;
  algorithm: string;
  qop: string[];
  opaque?: string;
  stale: boolean;
  raw: string;
}

/** Every value of header `name` in a response (case-insensitive). */
export function responseHeaders(response: { headers: string[] }, name: string): string[] {
  const wanted = name.toLowerCase();
  return response.headers
    .filter((h) => h.slice(0, h.indexOf(':')).trim().toLowerCase() === wanted)
    .map((h) => h.slice(h.indexOf(':') + 1).trim());
}

/** Parameters of one `Digest k=v, k="v"` challenge. */
export function parseChallenge(value: string): DigestChallenge | undefined {
  const m = /^\s*Digest\s+(.*)$/is.exec(value);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (let p = re.exec(m[1]!); p !== null; p = re.exec(m[1]!)) {
    params[p[1]!.toLowerCase()] = p[2] ?? p[3] ?? '';
  }
  if (params['realm'] === undefined || params['nonce'] === undefined) return undefined;
  return {
    realm: params['realm'],
    nonce: params['nonce'],
    algorithm: params['algorithm'] ?? 'MD5',
    qop: (params['qop'] ?? '')
      .split(',')
      .map((q) => q.trim())
      .filter((q) => q !== ''),
    ...(params['opaque'] === undefined ? {} : { opaque: params['opaque'] }),
    stale: (params['stale'] ?? '').toLowerCase() === 'true',
    raw: value,
  };
}

/** The Digest challenges of a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate), in order. */
export function challengesOf(response: SipResponse): DigestChallenge[] {
  const name = response.status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate';
  return responseHeaders(response, name)
    .map(parseChallenge)
    .filter((c): c is DigestChallenge => c !== undefined);
}

export interface DigestAnswer {
  challenge: DigestChallenge;
  username: string;
  password: string;
  method: string;
  uri: string;
  /** Nonce count, e.g. 1 → `00000001`. */
  nc: number;
  cnonce: string;
}

function hash(algorithm: string, text: string): string {
  const name = algorithm.toUpperCase() === 'SHA-256' ? 'sha256' : 'md5';
  return createHash(name).update(text).digest('hex');
}

/** An Authorization value answering `challenge` (qop=auth when offered), RFC 7616 §3.4. */
export function digestAuthorization(a: DigestAnswer): string {
  const { challenge } = a;
  const ha1 = hash(challenge.algorithm, `${a.username}:${challenge.realm}:${a.password}`);
  const ha2 = hash(challenge.algorithm, `${a.method}:${a.uri}`);
  const nc = a.nc.toString(16).padStart(8, '0');
  const qop = challenge.qop.includes('auth') ? 'auth' : undefined;
  const response = qop
    ? hash(challenge.algorithm, `${ha1}:${challenge.nonce}:${nc}:${a.cnonce}:${qop}:${ha2}`)
    : hash(challenge.algorithm, `${ha1}:${challenge.nonce}:${ha2}`);
  const parts = [
    `username="${a.username}"`,
    `realm="${challenge.realm}"`,
    `nonce="${challenge.nonce}"`,
    `uri="${a.uri}"`,
    `response="${response}"`,
    `algorithm=${challenge.algorithm}`,
  ];
  if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce="${a.cnonce}"`);
  if (challenge.opaque !== undefined) parts.push(`opaque="${challenge.opaque}"`);
  return `Digest ${parts.join(', ')}`;
}

export interface RegisterRequest {
  user: string;
  domain: string;
  cseq: number;
  expires: number;
  /** Contact values; default `<sip:user@127.0.0.1:localPort>`. */
  contact?: string;
  authorization?: string;
  /** More header lines (`Path: <sip:…;lr>`, `Supported: path`). */
  headers?: string[];
}

/** One UDP socket on 127.0.0.1 sending REGISTERs to a registrar, one Call-ID for all of them. */
export class RegisterClient {
  readonly callId = `${randomBytes(8).toString('hex')}@127.0.0.1`;
  readonly tag = randomBytes(4).toString('hex');
  private constructor(
    private readonly socket: Socket,
    readonly port: number,
    private readonly server: number,
  ) {}

  static open(serverPort: number): Promise<RegisterClient> {
    const socket = createSocket('udp4');
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () =>
        resolve(new RegisterClient(socket, socket.address().port, serverPort)),
      );
    });
  }

  get defaultContact(): string {
    return `<sip:probe@127.0.0.1:${this.port}>`;
  }

  /** Sends a REGISTER (retransmitted every 500 ms) and resolves with its final response. */
  register(r: RegisterRequest, timeoutMs = 5_000): Promise<SipResponse> {
    const branch = `z9hG4bK-${randomBytes(6).toString('hex')}`;
    const text = [
      `REGISTER sip:${r.domain} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${branch};rport`,
      'Max-Forwards: 70',
      `From: <sip:${r.user}@${r.domain}>;tag=${this.tag}`,
      `To: <sip:${r.user}@${r.domain}>`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${r.cseq} REGISTER`,
      `Contact: ${r.contact ?? this.defaultContact}`,
      ...(r.authorization === undefined ? [] : [`Authorization: ${r.authorization}`]),
      ...(r.headers ?? []),
      `Expires: ${r.expires}`,
      'User-Agent: switchboard-interop-digest-client',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    return new Promise((resolve, reject) => {
      const send = (): void => this.socket.send(text, this.server, '127.0.0.1');
      const onMessage = (msg: Buffer): void => {
        const raw = msg.toString('utf8');
        if (!raw.includes(branch)) return;
        const lines = raw.split('\r\n');
        const m = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(lines[0] ?? '');
        if (!m || Number(m[1]) < 200) return;
        const end = lines.indexOf('');
        finish();
        resolve({
          status: Number(m[1]),
          reason: m[2] ?? '',
          headers: lines.slice(1, end < 0 ? undefined : end),
          raw,
        });
      };
      const finish = (): void => {
        clearInterval(retransmit);
        clearTimeout(timer);
        this.socket.off('message', onMessage);
      };
      const retransmit = setInterval(send, 500);
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no final response to REGISTER CSeq ${r.cseq} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.socket.on('message', onMessage);
      send();
    });
  }

  close(): void {
    this.socket.close();
  }
}
