import net from 'node:net';
import { formatHostPort, isIpv6, isWildcard, unmapIpv4 } from './address.js';
import { emitDrop, emitPacket, noHandlers } from './handlers.js';
import { TcpConnection } from './tcp-connection.js';
import type { Endpoint, Transport, TransportHandlers } from './types.js';

export interface TcpTransportOptions {
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
  /** Give up opening a connection after this long (default 10 s). */
  connectTimeout?: number;
  /** Open connections, inbound and outbound, beyond which new ones are refused (default 10,000). */
  maxConnections?: number;
  /** Octets queued on one connection beyond which sends fail (default 4 MiB). */
  maxQueuedBytes?: number;
  handlers?: TransportHandlers;
}

/** After an oversize message, how long the peer gets to read our 513 before the connection goes. */
const CLOSE_GRACE = 2000;

let nextConnection = 0;

/** SIP over TCP (RFC 3261 §18): a listener, accepted and opened connections, connection reuse. */
export class TcpTransport implements Transport {
  readonly protocol = 'tcp' as const;
  readonly reliable = true;
  /** Connections refused because maxConnections was reached. */
  refused = 0;
  private handlers: TransportHandlers;
  private server: net.Server | undefined;
  private bound: Endpoint;
  private closed = false;
  private readonly connections = new Map<string, TcpConnection>();
  /** The most recent open connection to each peer address:port (RFC 3261 §18.1.1, §18.2.2). */
  private readonly byDestination = new Map<string, TcpConnection>();
  private readonly connecting = new Map<string, Promise<TcpConnection>>();
  private readonly pendingSockets = new Set<net.Socket>();

  constructor(private readonly options: TcpTransportOptions) {
    this.handlers = options.handlers ?? noHandlers;
    this.bound = { protocol: 'tcp', address: options.host, port: options.port };
  }

  get local(): Endpoint {
    return this.bound;
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

  listen(): Promise<void> {
    if (this.server) return Promise.reject(new Error('TCP transport already listening'));
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      const onListenError = (e: Error) => {
        this.server = undefined;
        reject(e);
      };
      server.once('error', onListenError);
      server.listen({ host: this.options.host, port: this.options.port }, () => {
        server.off('error', onListenError);
        server.on('error', (e) => this.reportSocketError(e));
        const address = server.address() as net.AddressInfo;
        this.bound = { protocol: 'tcp', address: this.options.host, port: address.port };
        resolve();
      });
    });
  }

  send(data: Buffer, destination: Endpoint, connectionId?: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('TCP transport is closed'));
    const maxQueued = this.options.maxQueuedBytes ?? 4 * 1024 * 1024;
    // RFC 3261 §18.2.2: a response goes back over the connection its request came on, if still open.
    const chosen = connectionId !== undefined ? this.connections.get(connectionId) : undefined;
    if (chosen?.open) return chosen.write(data, maxQueued);
    const reused = this.byDestination.get(keyOf(destination.address, destination.port));
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
    if (socket.remoteAddress === undefined) {
      socket.destroy(); // the peer went away before we got to it
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
  private connect(destination: Endpoint): Promise<TcpConnection> {
    const key = keyOf(destination.address, destination.port);
    const pending = this.connecting.get(key);
    if (pending) return pending;
    if (this.connections.size + this.pendingSockets.size >= (this.options.maxConnections ?? 10_000)) {
      return Promise.reject(new Error('too many TCP connections'));
    }
    const attempt = new Promise<TcpConnection>((resolve, reject) => {
      const host = this.options.host;
      const sameFamily = isIpv6(host) === isIpv6(destination.address);
      const socket = net.connect({
        host: destination.address,
        port: destination.port,
        // Send from the address we listen on, so the peer sees the address our Via carries.
        localAddress: !isWildcard(host) && sameFamily ? host : undefined,
        noDelay: true,
      });
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
      socket.once('connect', () => {
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

  private adopt(socket: net.Socket, outbound: boolean): TcpConnection {
    const remote: Endpoint = {
      protocol: 'tcp',
      address: unmapIpv4(socket.remoteAddress ?? ''),
      port: socket.remotePort ?? 0,
    };
    const id = `tcp-${++nextConnection}`;
    const key = keyOf(remote.address, remote.port);
    const connection = new TcpConnection(id, socket, remote, key, outbound, {
      maxHeaderSize: this.options.maxHeaderSize,
      maxMessageSize: this.options.maxMessageSize,
    });
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

  private receive(connection: TcpConnection, chunk: Buffer): void {
    for (const event of connection.framer.push(chunk)) {
      if (event.kind === 'message') {
        emitPacket(this.handlers, {
          data: event.data,
          source: connection.remote,
          local: this.bound,
          connectionId: connection.id,
        });
      } else if (event.kind === 'ping') {
        // RFC 5626 §3.5.1: answer a CRLFCRLF ping with a CRLF pong.
        connection.write('\r\n', Number.POSITIVE_INFINITY).catch(() => {});
      } else {
        emitDrop(this.handlers, {
          reason: event.reason,
          source: connection.remote,
          local: this.bound,
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

  private forget(connection: TcpConnection): void {
    this.connections.delete(connection.id);
    if (this.byDestination.get(connection.key) === connection) this.byDestination.delete(connection.key);
  }

  private reportSocketError(e: Error): void {
    const source: Endpoint = { protocol: 'tcp', address: '', port: 0 };
    emitDrop(this.handlers, { reason: 'socket-error', source, local: this.bound, detail: e.message });
  }
}

function keyOf(address: string, port: number): string {
  return formatHostPort(unmapIpv4(address).toLowerCase(), port);
}
