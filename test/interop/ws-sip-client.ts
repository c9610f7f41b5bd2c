import { randomBytes, randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { challengesOf, digestAuthorization, responseHeaders } from './digest-client.js';

/**
 * A browser-like SIP user agent over WebSocket (RFC 7118), independent of src/: it speaks as
 * JsSIP does (Via `WS`/`WSS` with a `.invalid` host, a Contact that cannot be reached except
 * through its own socket) so the test proves what a browser meets.
 */

export interface WsMessage {
  startLine: string;
  headers: string[];
  body: string;
  raw: string;
  /** Responses: the status code. */
  status?: number;
  /** Requests: the method. */
  method?: string;
}

export interface WsUaOptions {
  url: string;
  user: string;
  domain: string;
  password: string;
  /** PEM the client trusts for wss:. */
  ca?: string;
  /**
   * Register as JsSIP does by default (RFC 5626): `Supported: outbound`, a Contact with `;ob`,
   * `+sip.instance` and `reg-id=1`.
   */
  outbound?: boolean;
}

function token(): string {
  return randomBytes(6).toString('hex');
}

export function header(message: WsMessage, name: string): string | undefined {
  return responseHeaders(message, name)[0];
}

function parse(raw: string): WsMessage {
  const split = raw.indexOf('\r\n\r\n');
  const head = split >= 0 ? raw.slice(0, split) : raw;
  const body = split >= 0 ? raw.slice(split + 4) : '';
  const [startLine = '', ...headers] = head.split('\r\n');
  const m = /^SIP\/2\.0 (\d{3})/.exec(startLine);
  return m
    ? { startLine, headers, body, raw, status: Number(m[1]) }
    : { startLine, headers, body, raw, method: startLine.split(' ')[0] };
}

export class WsSipUa {
  readonly received: WsMessage[] = [];
  readonly host = `${token()}.invalid`;
  private readonly callId = `${token()}@${this.host}`;
  private cseq = 0;
  private waiters: Array<() => void> = [];

  private constructor(
    readonly options: WsUaOptions,
    readonly socket: WebSocket,
    readonly transport: 'WS' | 'WSS',
  ) {
    socket.on('message', (data) => {
      this.received.push(parse(data.toString()));
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    });
  }

  static connect(options: WsUaOptions): Promise<WsSipUa> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(options.url, ['sip'], options.ca ? { ca: options.ca } : {});
      socket.once('open', () =>
        resolve(new WsSipUa(options, socket, options.url.startsWith('wss') ? 'WSS' : 'WS')),
      );
      socket.once('error', reject);
    });
  }

  get aor(): string {
    return `sip:${this.options.user}@${this.options.domain}`;
  }

  readonly instance = `urn:uuid:${randomUUID()}`;

  get contact(): string {
    const ob = this.options.outbound ? ';ob' : '';
    return `<sip:${this.options.user}@${this.host};transport=${this.transport.toLowerCase()}${ob}>`;
  }

  /** The Contact of a REGISTER: with the instance and reg-id of an outbound flow when asked. */
  private registerContact(): string {
    return this.options.outbound
      ? `${this.contact};+sip.instance="<${this.instance}>";reg-id=1`
      : this.contact;
  }

  /** The first message received from index `from` on that matches, within ms. */
  async next(match: (m: WsMessage) => boolean, ms: number, from = 0): Promise<WsMessage> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.received.slice(from).find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.received.map((m) => m.startLine).join(' | ');
        throw new Error(`${this.options.user}: no matching message within ${ms} ms; got: ${seen}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  send(text: string): void {
    this.socket.send(text);
  }

  /** Send a request and return its final response, answering one 401/407 with digest credentials. */
  async request(
    method: string,
    uri: string,
    extra: { to?: string; fromTag?: string; callId?: string; headers?: string[]; body?: string } = {},
  ): Promise<WsMessage> {
    const fromTag = extra.fromTag ?? token();
    const callId = extra.callId ?? (method === 'REGISTER' ? this.callId : `${token()}@${this.host}`);
    let authorization: string | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      const branch = `z9hG4bK${token()}`;
      const seq = ++this.cseq;
      const body = extra.body ?? '';
      const lines = [
        `${method} ${uri} SIP/2.0`,
        `Via: SIP/2.0/${this.transport} ${this.host};branch=${branch}`,
        'Max-Forwards: 70',
        `From: <${this.aor}>;tag=${fromTag}`,
        `To: ${extra.to ?? `<${method === 'REGISTER' ? this.aor : uri}>`}`,
        `Call-ID: ${callId}`,
        `CSeq: ${seq} ${method}`,
        `Contact: ${method === 'REGISTER' ? this.registerContact() : this.contact}`,
        ...(this.options.outbound ? ['Supported: outbound'] : []),
        ...(extra.headers ?? []),
        ...(authorization ? [authorization] : []),
        ...(body ? ['Content-Type: application/sdp'] : []),
        `Content-Length: ${Buffer.byteLength(body)}`,
      ];
      const from = this.received.length;
      this.send(`${lines.join('\r\n')}\r\n\r\n${body}`);
      const response = await this.next(
        (m) => m.status !== undefined && m.status >= 200 && (header(m, 'Via') ?? '').includes(branch),
        15_000,
        from,
      );
      if ((response.status === 401 || response.status === 407) && attempt === 0) {
        const challenge = challengesOf({ ...response, status: response.status, reason: '' })[0];
        if (!challenge) return response;
        const value = digestAuthorization({
          challenge,
          username: this.options.user,
          password: this.options.password,
          method,
          uri,
          nc: 1,
          cnonce: token(),
        });
        authorization = `${response.status === 401 ? 'Authorization' : 'Proxy-Authorization'}: ${value}`;
        // RFC 3261 §22.2: a new INVITE after a challenge needs an ACK for the 4xx first.
        if (method === 'INVITE') {
          this.send(
            [
              `ACK ${uri} SIP/2.0`,
              `Via: SIP/2.0/${this.transport} ${this.host};branch=${branch}`,
              'Max-Forwards: 70',
              `From: <${this.aor}>;tag=${fromTag}`,
              `To: ${header(response, 'To')}`,
              `Call-ID: ${callId}`,
              `CSeq: ${seq} ACK`,
              'Content-Length: 0',
              '',
              '',
            ].join('\r\n'),
          );
        }
        continue;
      }
      return response;
    }
    throw new Error('unreachable');
  }

  /** Answer a request received over the socket. */
  respond(
    request: WsMessage,
    status: number,
    reason: string,
    extra: { toTag?: string; body?: string } = {},
  ): void {
    const copied = ['Via', 'From', 'Call-ID', 'CSeq', 'Record-Route'].flatMap((name) =>
      responseHeaders(request, name).map((v) => `${name}: ${v}`),
    );
    const to = header(request, 'To') ?? '';
    const body = extra.body ?? '';
    this.send(
      [
        `SIP/2.0 ${status} ${reason}`,
        ...copied,
        `To: ${extra.toTag && !to.includes(';tag=') ? `${to};tag=${extra.toTag}` : to}`,
        ...(status >= 200 && status < 300 ? [`Contact: ${this.contact}`] : []),
        ...(body ? ['Content-Type: application/sdp'] : []),
        `Content-Length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n'),
    );
  }

  close(): void {
    this.socket.terminate();
  }
}

/** A minimal G.711 offer/answer on a port nobody listens on: signalling is what the test checks. */
export function audioSdp(port: number): string {
  return [
    'v=0',
    `o=- ${Date.now()} 1 IN IP4 127.0.0.1`,
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0`,
    'a=rtpmap:0 PCMU/8000',
    'a=sendrecv',
    '',
  ].join('\r\n');
}
