import { isUtf8 } from 'node:buffer';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { formatHostPort, unmapIpv4 } from './address.js';
import { emitDrop, emitPacket, noHandlers } from './handlers.js';
import { connectionKey, listenServer, reportListenerError } from './listen-server.js';
import { NativeTlsAcceptor } from './native-tls-acceptor.js';
import { SourceLimit } from './source-limit.js';
import type { TlsCredentials } from './tls-transport.js';
import type { Endpoint, Transport, TransportHandlers } from './types.js';

export interface WsTransportOptions {
  host: string;
  port: number;
  /**
   * Present for `wss`: the listener's certificate and key (RFC 7118 §4: WSS is WebSocket over TLS);
   * its `engine` says what runs the TLS, as on the TLS listener. Client certificates are not asked.
   */
  tls?: TlsCredentials;
  /**
   * An HTTP(S) server someone else listens on (the API's) whose Upgrade requests this transport
   * takes instead of listening itself (RFC 7118 §4: SIP is one subprotocol a web server may
   * offer). `wss` when it is an HTTPS server; `host` and `port` say where it listens until it does.
   */
  server?: http.Server | https.Server;
  /** Largest SIP message, which is also the largest WebSocket message (default 64 KiB). */
  maxMessageSize?: number;
  /** Close a connection after this long without traffic from the client (default 5 minutes). */
  idleTimeout?: number;
  /** Time allowed for the TLS and HTTP upgrade handshakes (default 10 s). */
  handshakeTimeout?: number;
  /** Open connections beyond which upgrades are refused (default 10,000). */
  maxConnections?: number;
  /** Sockets one source address may hold on the listener, handshakes included (default 500). */
  maxConnectionsPerSource?: number;
  /** Octets queued on one connection beyond which sends fail (default 4 MiB). */
  maxQueuedBytes?: number;
  handlers?: TransportHandlers;
}

/** RFC 7118 §4.1: the WebSocket subprotocol a SIP client must offer. */
export const SIP_SUBPROTOCOL = 'sip';

interface WsConnection {
  id: string;
  socket: WebSocket;
  remote: Endpoint;
  key: string;
}

let nextConnection = 0;

/**
 * SIP over WebSocket (RFC 7118): a listener that upgrades HTTP(S) requests offering the `sip`
 * subprotocol, one SIP message per WebSocket message. Only clients open these connections, so a
 * request for a WebSocket client goes over the connection its registration came on. With
 * `server`, the upgrades of another HTTP(S) server (the API's) come here instead of a port of its own.
 */
export class WsTransport implements Transport {
  readonly protocol: 'ws' | 'wss';
  readonly reliable = true;
  /** Upgrades refused: no `sip` subprotocol, or too many connections. */
  refused = 0;
  /** Listener sockets, in all and per source, counted before the TLS and HTTP handshakes. */
  readonly sourceLimit: SourceLimit;
  /** What runs this listener's TLS: 'native' only for WSS with tls.engine native and the module built. */
  readonly engine: 'native' | 'node' | undefined;
  private handlers: TransportHandlers;
  private server: http.Server | https.Server | undefined;
  /** With the native engine: the TCP listener whose handshaken sockets go to `server`. */
  private listener: net.Server | undefined;
  private readonly native: NativeTlsAcceptor | undefined;
  private nodeHandshakeFailures = 0;
  /** The shared server's upgrade listener, while this transport takes its upgrades. */
  private sharing: ((request: http.IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined;
  private readonly webSockets: WebSocketServer;
  private bound: Endpoint | undefined;
  private closed = false;
  private readonly connections = new Map<string, WsConnection>();
  private readonly byDestination = new Map<string, WsConnection>();

  constructor(private readonly options: WsTransportOptions) {
    const secure = options.server ? options.server instanceof tls.Server : options.tls !== undefined;
    this.protocol = secure ? 'wss' : 'ws';
    // A browser asked for a certificate may prompt its user: WSS never asks, whatever the TLS listener does.
    this.native =
      options.tls && !options.server
        ? NativeTlsAcceptor.create({ ...options.tls, clientCertificates: 'none' })
        : undefined;
    this.engine = options.tls && !options.server ? (this.native ? 'native' : 'node') : undefined;
    this.handlers = options.handlers ?? noHandlers;
    this.sourceLimit = new SourceLimit(
      options.maxConnections ?? 10_000,
      options.maxConnectionsPerSource ?? 500,
    );
    this.webSockets = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxMessageSize ?? 64 * 1024,
      perMessageDeflate: false,
      handleProtocols: (offered) => (offered.has(SIP_SUBPROTOCOL) ? SIP_SUBPROTOCOL : false),
    });
  }

  get local(): Endpoint {
    const shared = this.options.server?.address();
    if (shared && typeof shared === 'object')
      return { protocol: this.protocol, address: unmapIpv4(shared.address), port: shared.port };
    return this.bound ?? { protocol: this.protocol, address: this.options.host, port: this.options.port };
  }

  /** TLS handshakes that failed on this listener (garbage, old protocol versions, timeouts). */
  get handshakeFailures(): number {
    return this.nodeHandshakeFailures + (this.native?.handshakeFailures ?? 0);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  attach(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }

  hasConnection(connectionId: string): boolean {
    return this.connections.has(connectionId);
  }

  async listen(): Promise<void> {
    if (this.server || this.sharing)
      throw new Error(`${this.protocol.toUpperCase()} transport already listening`);
    if (this.options.server) {
      this.sharing = (request, socket, head) => this.upgrade(request, socket, head);
      this.options.server.on('upgrade', this.sharing);
      return;
    }
    const server = this.createServer();
    // Native engine: TCP is accepted here and each socket, once its TLS handshake is done, goes
    // to the HTTP server as a plaintext Duplex (the upgrade path is the same as over node:tls).
    const listener = this.native
      ? this.native.createServer(this.options.handshakeTimeout ?? 10_000, (socket) =>
          server.emit('connection', socket),
        )
      : server;
    // Node's HTTP server starts tracking its connections' header and request timeouts when it
    // hears it is listening; it never listens itself here.
    if (listener !== server) listener.once('listening', () => server.emit('listening'));
    this.sourceLimit.attach(listener);
    this.server = server;
    this.listener = listener;
    server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(request, socket, head),
    );
    server.on('clientError', (_e, socket) => socket.destroy());
    try {
      const port = await listenServer(listener, this.options.host, this.options.port, (e) =>
        reportListenerError(this.handlers, this.local, e),
      );
      this.bound = { protocol: this.protocol, address: this.options.host, port };
    } catch (e) {
      this.server = undefined;
      this.listener = undefined;
      throw e;
    }
  }

  send(data: Buffer, destination: Endpoint, connectionId?: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.protocol.toUpperCase()} transport is closed`));
    const connection =
      (connectionId !== undefined ? this.connections.get(connectionId) : undefined) ??
      this.byDestination.get(connectionKey(destination.address, destination.port));
    if (!connection) {
      // RFC 7118 §5: the server never opens WebSocket connections; the client has gone.
      return Promise.reject(
        new Error(
          `no ${this.protocol.toUpperCase()} connection from ${formatHostPort(destination.address, destination.port)}`,
        ),
      );
    }
    const socket = connection.socket;
    if (socket.bufferedAmount > (this.options.maxQueuedBytes ?? 4 * 1024 * 1024))
      return Promise.reject(new Error(`connection ${connection.id} is congested`));
    return new Promise((resolve, reject) => {
      // RFC 7118 §5.1: UTF-8 messages go in text frames, anything else in binary frames.
      socket.send(data, { binary: !isUtf8(data) }, (e) => (e ? reject(e) : resolve()));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const server = this.server;
    const listener = this.listener;
    this.server = undefined;
    this.listener = undefined;
    // The shared server stays its owner's; closing it waits for these sockets, so they go now.
    if (this.sharing) this.options.server?.off('upgrade', this.sharing);
    this.sharing = undefined;
    for (const connection of this.connections.values()) connection.socket.terminate();
    this.webSockets.close();
    if (server) {
      server.closeAllConnections();
      // The native engine's HTTP server never listened: its TCP listener is what closes.
      if (listener && listener !== server) server.close();
      const closing = listener ?? server;
      await new Promise<void>((resolve) => closing.close(() => resolve()));
    }
  }

  private createServer(): http.Server {
    const refuse = (_request: http.IncomingMessage, response: http.ServerResponse) => {
      response.writeHead(426, { Connection: 'close', Upgrade: 'websocket' }).end();
    };
    const tls = this.options.tls;
    const handshakeTimeout = this.options.handshakeTimeout ?? 10_000;
    // Node checks the headers timeout on this interval (default 30 s): an upgrade request that
    // stalls would otherwise hold its socket three times longer than the timeout says.
    const checking = { connectionsCheckingInterval: Math.min(1000, handshakeTimeout) };
    const server = this.native
      ? http.createServer(checking, refuse)
      : tls
        ? https.createServer(
            {
              cert: tls.cert,
              key: tls.key,
              ca: tls.ca,
              minVersion: 'TLSv1.2',
              handshakeTimeout,
              ...checking,
            },
            refuse,
          )
        : http.createServer(checking, refuse);
    // A client that opens a socket and never finishes its HTTP request is dropped.
    server.headersTimeout = this.options.handshakeTimeout ?? 10_000;
    server.requestTimeout = this.options.handshakeTimeout ?? 10_000;
    if (tls && !this.native)
      server.on('tlsClientError', (_e, socket) => {
        this.nodeHandshakeFailures++;
        socket.destroy();
      });
    return server;
  }

  private upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    // Not a closure: one here would share this call's scope and keep `request` for the connection's life.
    socket.on('error', destroySelf);
    const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.includes(SIP_SUBPROTOCOL)) {
      // RFC 7118 §4.1: a client that does not offer `sip` gets no SIP connection.
      this.refused++;
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (this.closed || this.connections.size >= (this.options.maxConnections ?? 10_000)) {
      this.refused++;
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // On a shared server the per-source count starts here: the owner's other requests are not SIP's.
    if (this.sharing && !this.sourceLimit.admit(request.socket)) return;
    this.webSockets.handleUpgrade(request, socket, head, (webSocket) => this.adopt(webSocket, request));
  }

  private adopt(socket: WebSocket, request: http.IncomingMessage): void {
    const raw = request.socket;
    const remote: Endpoint = {
      protocol: this.protocol,
      address: unmapIpv4(raw.remoteAddress ?? ''),
      port: raw.remotePort ?? 0,
    };
    const id = `${this.protocol}-${++nextConnection}`;
    const connection: WsConnection = { id, socket, remote, key: connectionKey(remote.address, remote.port) };
    this.connections.set(id, connection);
    this.byDestination.set(connection.key, connection);
    raw.setTimeout(this.options.idleTimeout ?? 300_000, () => socket.terminate());
    socket.on('message', (data: RawData, isBinary: boolean) => this.receive(connection, data, isBinary));
    socket.on('error', (e: Error) => {
      // The library closes the connection after a protocol error (oversize, bad frames).
      emitDrop(this.handlers, {
        reason: /max payload|too big/i.test(e.message) ? 'oversize' : 'framing',
        source: remote,
        local: this.local,
        connectionId: id,
        detail: e.message,
      });
    });
    socket.on('close', () => {
      this.connections.delete(id);
      if (this.byDestination.get(connection.key) === connection) this.byDestination.delete(connection.key);
    });
  }

  private receive(connection: WsConnection, data: RawData, _isBinary: boolean): void {
    const message = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(data);
    if (message.length === 0 || isOnlyCrlf(message)) {
      // RFC 5626 §3.5.1: a CRLFCRLF ping gets a CRLF pong (SIP.js keeps its flow alive so); the
      // WebSocket's own ping frames are answered by the library.
      if (message.length === 4) connection.socket.send('\r\n', () => {});
      return;
    }
    emitPacket(this.handlers, {
      data: message,
      source: connection.remote,
      local: this.local,
      connectionId: connection.id,
    });
  }
}

function destroySelf(this: Duplex): void {
  this.destroy();
}

function isOnlyCrlf(data: Buffer): boolean {
  for (const c of data) if (c !== 0x0d && c !== 0x0a) return false;
  return true;
}
