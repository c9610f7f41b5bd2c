import type net from 'node:net';
import { isIpv6, isWildcard, unmapIpv4 } from './address.js';
import { emitDrop, emitPacket, noHandlers } from './handlers.js';
import { connectionKey, listenServer, reportListenerError } from './listen-server.js';
import { SourceLimit } from './source-limit.js';
import { StreamConnection } from './stream-connection.js';
import type { Endpoint, Transport, TransportHandlers } from './types.js';

export interface StreamTransportOptions {
  /** IP address to listen on (and to send from, when it is not a wildcard). */
  host: string;
  /** Port to listen on; 0 for an ephemeral one. */
  port: number;
  /** Largest message, headers plus body (default 64 KiB). */
  maxMessageSize?: number;
  /** Largest header section (default 16 KiB). */
  maxHeaderSize?: number;
  /** Close a connection after this long without traffic either way (default 5 minutes). */
  idleTimeout?: number;
  /** Give up opening a connection (TLS: and its handshake) after this long (default 10 s). */
  connectTimeout?: number;
  /** Open connections, inbound and outbound, beyond which new ones are refused (default 10,000). */
  maxConnections?: number;
  /** Sockets one source address may hold on the listener, handshakes included (default 500). */
  maxConnectionsPerSource?: number;
  /** Octets queued on one connection beyond which sends fail (default 4 MiB). */
  maxQueuedBytes?: number;
  handlers?: TransportHandlers;
}

/** A socket being opened, and the event that says it is ready to carry SIP. */
export interface Opening {
  socket: net.Socket;
  ready: 'connect' | 'secureConnect';
}

/** After an oversize message, how long the peer gets to read our 513 before the connection goes. */
const CLOSE_GRACE = 2000;

let nextConnection = 0;

/**
 * SIP over a byte stream (RFC 3261 §18): a listener, accepted and opened connections, framing,
 * keep-alive pongs and connection reuse. TCP and TLS differ only in how sockets are made.
 */
export abstract class StreamTransport implements Transport {
  abstract readonly protocol: 'tcp' | 'tls';
  readonly reliable = true;
  /** Connections refused because maxConnections was reached. */
  refused = 0;
  /** Listener sockets, in all and per source, counted before any handshake. */
  readonly sourceLimit: SourceLimit;
  protected handlers: TransportHandlers;
  private server: net.Server | undefined;
  private bound: Endpoint | undefined;
  private closed = false;
  private readonly connections = new Map<string, StreamConnection>();
  /**
   * The most recent open connection to each peer address:port (RFC 3261 §18.1.1, §18.2.2), and
   * the sent-by a peer named with `;alias` (RFC 5923 §5) for the connection it opened.
   */
  private readonly byDestination = new Map<string, StreamConnection>();
  private readonly connecting = new Map<string, Promise<StreamConnection>>();
  private readonly pendingSockets = new Set<net.Socket>();

  constructor(protected readonly options: StreamTransportOptions) {
    this.handlers = options.handlers ?? noHandlers;
    this.sourceLimit = new SourceLimit(
      options.maxConnections ?? 10_000,
      options.maxConnectionsPerSource ?? 500,
    );
  }

  /** The server that hands accepted sockets, ready for SIP, to `accept`. */
  protected abstract createServer(accept: (socket: net.Socket) => void): net.Server;
  /** Start opening a socket to a destination. */
  protected abstract open(destination: Endpoint, localAddress: string | undefined): Opening;
  /** The names an accepted socket's peer proved (TLS: its verified certificate's); none over TCP. */
  protected peerNamesOf(_socket: net.Socket): readonly string[] {
    return [];
  }

  get local(): Endpoint {
    return this.bound ?? { protocol: this.protocol, address: this.options.host, port: this.options.port };
  }

  /** Open connections, inbound and outbound. */
  get connectionCount(): number {
    return this.connections.size;
  }

  attach(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }

  hasConnection(connectionId: string): boolean {
    return this.connections.get(connectionId)?.open === true;
  }

  /** What the peer of a connection it opened to us proved to be (its certificate's names). */
  peerNames(connectionId: string): readonly string[] {
    return this.connections.get(connectionId)?.peerNames ?? [];
  }

  /**
   * RFC 5923 §5: the peer asked (Via `;alias`) that requests for its sent-by reuse the
   * connection it opened. Only for connections it opened: ours already have their key.
   */
  alias(connectionId: string, address: string, port: number): void {
    const connection = this.connections.get(connectionId);
    if (!connection?.open || connection.outbound) return;
    const key = connectionKey(address, port);
    if (key === connection.key || connection.aliases.includes(key)) return;
    connection.aliases.push(key);
    this.byDestination.set(key, connection);
  }

  async listen(): Promise<void> {
    const name = this.protocol.toUpperCase();
    if (this.server) throw new Error(`${name} transport already listening`);
    const server = this.createServer((socket) => this.accept(socket));
    this.sourceLimit.attach(server);
    this.server = server;
    try {
      const port = await listenServer(server, this.options.host, this.options.port, (e) =>
        reportListenerError(this.handlers, this.local, e),
      );
      this.bound = { protocol: this.protocol, address: this.options.host, port };
    } catch (e) {
      this.server = undefined;
      throw e;
    }
  }

  send(data: Buffer, destination: Endpoint, connectionId?: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.protocol.toUpperCase()} transport is closed`));
    const maxQueued = this.options.maxQueuedBytes ?? 4 * 1024 * 1024;
    // RFC 3261 §18.2.2: a response goes back over the connection its request came on, if still open.
    const chosen = connectionId !== undefined ? this.connections.get(connectionId) : undefined;
    if (chosen?.open) return chosen.write(data, maxQueued);
    const reused = this.byDestination.get(connectionKey(destination.address, destination.port));
    if (reused?.open) return reused.write(data, maxQueued);
    return this.connect(destination).then((c) => c.write(data, maxQueued));
  }

  async close(): Promise<void> {
    this.closed = true;
    const server = this.server;
    this.server = undefined;
    for (const socket of this.pendingSockets) socket.destroy();
    for (const connection of this.connections.values()) connection.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    const max = this.options.maxConnections ?? 10_000;
    if (socket.destroyed || socket.remoteAddress === undefined) {
      socket.destroy(); // the peer went away before we got to it, or its source is over its limit
      return;
    }
    if (this.closed || this.connections.size >= max) {
      this.refused++;
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    this.adopt(socket, false);
  }

  /** Open a connection to the destination, sharing one attempt between concurrent sends. */
  private connect(destination: Endpoint): Promise<StreamConnection> {
    const key = connectionKey(destination.address, destination.port);
    const pending = this.connecting.get(key);
    if (pending) return pending;
    if (this.connections.size + this.pendingSockets.size >= (this.options.maxConnections ?? 10_000)) {
      return Promise.reject(new Error(`too many ${this.protocol.toUpperCase()} connections`));
    }
    const attempt = new Promise<StreamConnection>((resolve, reject) => {
      const host = this.options.host;
      const sameFamily = isIpv6(host) === isIpv6(destination.address);
      // Send from the address we listen on, so the peer sees the address our Via carries.
      const { socket, ready } = this.open(destination, !isWildcard(host) && sameFamily ? host : undefined);
      this.pendingSockets.add(socket);
      const timer = setTimeout(
        () => socket.destroy(new Error(`connect to ${key} timed out`)),
        this.options.connectTimeout ?? 10_000,
      );
      const onError = (e: Error) => {
        clearTimeout(timer);
        this.pendingSockets.delete(socket);
        reject(e);
      };
      const onClose = () => onError(new Error(`connection to ${key} closed while opening`));
      socket.once('error', onError);
      socket.once('close', onClose);
      socket.once(ready, () => {
        clearTimeout(timer);
        this.pendingSockets.delete(socket);
        socket.off('error', onError);
        socket.off('close', onClose);
        resolve(this.adopt(socket, true));
      });
    });
    this.connecting.set(key, attempt);
    const forget = () => this.connecting.delete(key);
    attempt.then(forget, forget);
    return attempt;
  }

  private adopt(socket: net.Socket, outbound: boolean): StreamConnection {
    const remote: Endpoint = {
      protocol: this.protocol,
      address: unmapIpv4(socket.remoteAddress ?? ''),
      port: socket.remotePort ?? 0,
    };
    const id = `${this.protocol}-${++nextConnection}`;
    const key = connectionKey(remote.address, remote.port);
    const connection = new StreamConnection(id, socket, remote, key, outbound, {
      maxHeaderSize: this.options.maxHeaderSize,
      maxMessageSize: this.options.maxMessageSize,
    });
    if (!outbound) connection.peerNames = this.peerNamesOf(socket);
    this.connections.set(id, connection);
    this.byDestination.set(key, connection);
    socket.setNoDelay(true);
    // Idle connections go (RFC 3261 §18: implementations may close them; RFC 5626 §4.4 keeps alive).
    socket.setTimeout(this.options.idleTimeout ?? 300_000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => this.receive(connection, chunk));
    socket.on('error', () => socket.destroy()); // resets and the like: the 'close' below cleans up
    socket.on('close', () => this.forget(connection));
    return connection;
  }

  private receive(connection: StreamConnection, chunk: Buffer): void {
    const local = this.local;
    for (const event of connection.framer.push(chunk)) {
      if (event.kind === 'message') {
        emitPacket(this.handlers, {
          data: event.data,
          source: connection.remote,
          local,
          connectionId: connection.id,
        });
      } else if (event.kind === 'ping') {
        // RFC 5626 §3.5.1: answer a CRLFCRLF ping with a CRLF pong.
        connection.write('\r\n', Number.POSITIVE_INFINITY).catch(() => {});
      } else {
        emitDrop(this.handlers, {
          reason: event.reason,
          source: connection.remote,
          local,
          head: event.head,
          connectionId: connection.id,
          detail: event.detail,
        });
        // The stream cannot be framed any more. An oversize message had readable headers: the
        // drop handler may have queued a 513 on this connection, so let it drain first.
        if (event.reason === 'oversize') connection.end(CLOSE_GRACE);
        else connection.destroy();
      }
      if (!connection.open) return;
    }
  }

  private forget(connection: StreamConnection): void {
    this.connections.delete(connection.id);
    for (const key of [connection.key, ...connection.aliases]) {
      if (this.byDestination.get(key) === connection) this.byDestination.delete(key);
    }
  }
}
