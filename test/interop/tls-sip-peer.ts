import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { repoRoot } from './repo.js';

/**
 * A SIP peer over TLS, independent of src/: a carrier's gateway (a TLS server that may require a
 * client certificate) or a carrier's edge calling in (a TLS client with its certificate). It
 * answers what it is sent (INVITE 200 with SDP, BYE and OPTIONS 200, ACK nothing) and records it.
 */

const FIXTURES = join(repoRoot, 'test', 'fixtures', 'tls');
/** Test-only certificates and keys (test/fixtures/tls/README.md). */
export const tlsFixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
export const tlsFixturePath = (name: string): string => join(FIXTURES, name);

export interface SipMessage {
  startLine: string;
  headers: Array<[string, string]>;
  body: string;
  status?: number;
  method?: string;
}

export function headerOf(message: SipMessage, name: string): string | undefined {
  return message.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

function headersOf(message: SipMessage, name: string): string[] {
  return message.headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
}

/** Splits a byte stream into SIP messages by Content-Length (RFC 3261 §18.3). */
function framer(onMessage: (m: SipMessage) => void): (chunk: Buffer) => void {
  let buffer = '';
  return (chunk) => {
    buffer += chunk.toString('latin1');
    for (;;) {
      buffer = buffer.replace(/^(\r\n)+/, '');
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffer.slice(0, end);
      const length = Number(/\r\n(?:content-length|l)\s*:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      const body = buffer.slice(end + 4, end + 4 + length);
      buffer = buffer.slice(end + 4 + length);
      const [startLine = '', ...lines] = head.split('\r\n');
      const headers = lines.map((l) => {
        const colon = l.indexOf(':');
        return [l.slice(0, colon).trim(), l.slice(colon + 1).trim()] as [string, string];
      });
      const status = /^SIP\/2\.0 (\d{3})/.exec(startLine);
      onMessage(
        status
          ? { startLine, headers, body, status: Number(status[1]) }
          : { startLine, headers, body, method: startLine.split(' ')[0] },
      );
    }
  };
}

const SDP = (port: number) =>
  `v=0\r\no=gw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`;

/** The response to a request, its Via, From, To (tagged), Call-ID and CSeq copied. */
function answer(request: SipMessage, status: number, reason: string, contact: string, body = ''): string {
  const lines = [`SIP/2.0 ${status} ${reason}`];
  for (const v of headersOf(request, 'via')) lines.push(`Via: ${v}`);
  for (const r of headersOf(request, 'record-route')) lines.push(`Record-Route: ${r}`);
  lines.push(`From: ${headerOf(request, 'from')}`);
  const to = headerOf(request, 'to') ?? '';
  lines.push(`To: ${/;tag=/i.test(to) ? to : `${to};tag=gw${randomBytes(4).toString('hex')}`}`);
  lines.push(`Call-ID: ${headerOf(request, 'call-id')}`, `CSeq: ${headerOf(request, 'cseq')}`);
  lines.push(`Contact: <${contact}>`);
  if (body) lines.push('Content-Type: application/sdp');
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`, '', body);
  return lines.join('\r\n');
}

/** Every connection's messages and the certificate its peer showed (CN; undefined: none). */
export interface PeerLog {
  requests: SipMessage[];
  responses: SipMessage[];
  clientNames: Array<string | undefined>;
}

function serve(socket: tls.TLSSocket, log: PeerLog, contact: string, waiters: Set<() => void>): void {
  socket.on('error', () => {});
  socket.on(
    'data',
    framer((m) => {
      if (m.method) {
        log.requests.push(m);
        if (m.method === 'INVITE') socket.write(answer(m, 200, 'OK', contact, SDP(40_000)));
        else if (m.method !== 'ACK') socket.write(answer(m, 200, 'OK', contact));
      } else log.responses.push(m);
      for (const w of waiters) w();
    }),
  );
}

async function until(test: () => boolean, waiters: Set<() => void>, ms: number, what: string): Promise<void> {
  if (test()) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    const check = () => {
      if (!test()) return;
      clearTimeout(timer);
      waiters.delete(check);
      resolve();
    };
    waiters.add(check);
  });
}

export interface TlsGateway extends PeerLog {
  port: number;
  /** Drop every open connection (the node must open a new one, with whatever it presents now). */
  dropConnections(): void;
  close(): Promise<void>;
}

/** A carrier's gateway on 127.0.0.1: certificate `gateway`, client certificates from `carrier-ca` required. */
export async function startTlsGateway(): Promise<TlsGateway> {
  const log: PeerLog = { requests: [], responses: [], clientNames: [] };
  const sockets = new Set<tls.TLSSocket>();
  const waiters = new Set<() => void>();
  let port = 0;
  const server = tls.createServer(
    {
      cert: tlsFixture('gateway.crt'),
      key: tlsFixture('gateway.key'),
      ca: tlsFixture('carrier-ca.crt'),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      const cn = socket.getPeerCertificate().subject?.CN;
      log.clientNames.push(typeof cn === 'string' ? cn : undefined);
      serve(socket, log, `sip:gw@127.0.0.1:${port};transport=tls`, waiters);
    },
  );
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  return Object.assign(log, {
    port,
    dropConnections: () => {
      for (const s of sockets) s.destroy();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

export interface TlsCaller extends PeerLog {
  /** INVITE `uri`; resolves with the final response (a 2xx is ACKed and the call hung up with BYE). */
  call(uri: string, ms?: number): Promise<SipMessage>;
  /** OPTIONS `uri`; resolves with the final response. */
  options(uri: string, ms?: number): Promise<SipMessage>;
  close(): void;
}

/** A carrier's edge calling in over TLS to the node at `port`, presenting `cert`/`key` (or none). */
export async function connectTlsCaller(
  port: number,
  certificate?: { cert: string; key: string },
  /** The loopback address to call from (default 127.0.0.1). */
  localAddress = '127.0.0.1',
): Promise<TlsCaller> {
  const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
    // tls.connect passes socket options (localAddress) on; its types omit them.
    const options: tls.ConnectionOptions & { localAddress: string } = {
      host: '127.0.0.1',
      port,
      localAddress,
      rejectUnauthorized: false,
      ...(certificate ?? {}),
    };
    const s = tls.connect(options, () => resolve(s));
    s.once('error', reject);
  });
  const log: PeerLog = { requests: [], responses: [], clientNames: [] };
  const waiters = new Set<() => void>();
  const local = `${localAddress}:${socket.localPort}`;
  serve(socket, log, `sip:edge@${local};transport=tls`, waiters);
  let cseq = 0;
  const callId = `${randomBytes(8).toString('hex')}@carrier.example`;
  const fromTag = randomBytes(4).toString('hex');
  const send = (method: string, uri: string, to: string, extra: string[] = [], body = '') => {
    const lines = [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/TLS ${local};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      'Max-Forwards: 70',
      `From: <sip:+15550001111@carrier.example>;tag=${fromTag}`,
      `To: ${to}`,
      `Call-ID: ${callId}`,
      `CSeq: ${method === 'ACK' ? cseq : ++cseq} ${method}`,
      `Contact: <sip:edge@${local};transport=tls>`,
      ...extra,
      ...(body ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ];
    socket.write(lines.join('\r\n'));
  };
  const finals = () => log.responses.filter((r) => (r.status ?? 0) >= 200);
  return Object.assign(log, {
    call: async (uri: string, ms = 10_000) => {
      const before = finals().length;
      send('INVITE', uri, `<${uri}>`, [], SDP(41_000));
      await until(() => finals().length > before, waiters, ms, `a final response to INVITE ${uri}`);
      const final = finals()[before]!;
      if (final.status! < 300) {
        // RFC 3261 §12.1.2: the route set is the Record-Route, reversed at the UAC.
        const routes = headersOf(final, 'record-route').reverse();
        const target = /<([^>]+)>/.exec(headerOf(final, 'contact') ?? '')?.[1] ?? uri;
        const to = headerOf(final, 'to')!;
        const route = routes.length > 0 ? [`Route: ${routes.join(', ')}`] : [];
        send('ACK', target, to, route);
        const n = finals().length;
        send('BYE', target, to, route);
        await until(() => finals().length > n, waiters, ms, 'the answer to BYE');
      }
      return final;
    },
    options: async (uri: string, ms = 10_000) => {
      const before = finals().length;
      send('OPTIONS', uri, `<${uri}>`);
      await until(() => finals().length > before, waiters, ms, `a final response to OPTIONS ${uri}`);
      return finals()[before]!;
    },
    close: () => socket.destroy(),
  });
}
