import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { type NgAddress, parseNgAddress } from './address.js';
import {
  type BencodeDict,
  BencodeError,
  type BencodeInput,
  decodeBencode,
  encodeBencode,
} from './bencode.js';
import {
  type AnswerParams,
  answerParams,
  type DeleteParams,
  deleteParams,
  type OfferParams,
  type OfferReply,
  offerParams,
  parseOfferReply,
  parseSubscribeRequestReply,
  type QueryParams,
  queryParams,
  type SubscribeAnswerParams,
  type SubscribeRequestParams,
  type SubscribeRequestReply,
  subscribeAnswerParams,
  subscribeRequestParams,
  type UnsubscribeParams,
  unsubscribeParams,
} from './commands.js';
import { NgClosedError, NgError, NgTimeoutError } from './errors.js';
import { bencodeToText, type NgTextDict, textOf } from './text.js';

export interface NgClientOptions {
  /** Wait for a reply this long before retransmitting (default 500 ms). */
  timeoutMs?: number;
  /** Sends per request, first included (default 3); then NgTimeoutError. */
  attempts?: number;
  /** Deepest nesting accepted in a reply (default 32). */
  maxDepth?: number;
}

export interface NgClientStats {
  requests: number;
  retransmissions: number;
  replies: number;
  /** Datagrams whose cookie matched no pending request, or from another port than the server's. */
  stray: number;
  /** Datagrams that were not `COOKIE <bencode dict>`. */
  garbled: number;
  timeouts: number;
  /** Replies with a non-ok result. */
  errors: number;
}

interface Pending {
  command: string;
  datagram: Buffer;
  sends: number;
  startedMs: number;
  timer: NodeJS.Timeout;
  resolve: (reply: BencodeDict) => void;
  reject: (error: Error) => void;
}

const SPACE = 0x20;
/** A cookie is short; the space ending it must come early. */
const MAX_COOKIE = 64;

/**
 * A client of rtpengine's ng control protocol: `COOKIE <bencode dict>` datagrams over UDP.
 * Each request gets a unique cookie; the same datagram is resent on timeout, which rtpengine
 * answers from its cookie cache without repeating the command.
 */
export class NgClient {
  readonly address: NgAddress;
  private readonly socket: Socket;
  private readonly pending = new Map<string, Pending>();
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly maxDepth: number;
  private readonly cookiePrefix = randomBytes(6).toString('hex');
  private sequence = 0;
  private closed = false;
  private readonly counters: NgClientStats = {
    requests: 0,
    retransmissions: 0,
    replies: 0,
    stray: 0,
    garbled: 0,
    timeouts: 0,
    errors: 0,
  };

  /** `address` is `host:port` of rtpengine's --listen-ng. */
  constructor(address: string, options: NgClientOptions = {}) {
    this.address = parseNgAddress(address);
    this.timeoutMs = options.timeoutMs ?? 500;
    this.attempts = Math.max(1, options.attempts ?? 3);
    this.maxDepth = options.maxDepth ?? 32;
    this.socket = createSocket(this.address.type);
    this.socket.on('message', (data, rinfo) => this.onMessage(data, rinfo));
    // Send failures (e.g. ICMP errors) are left to the retransmission timer.
    this.socket.on('error', () => {});
    // Pending requests hold their own timers; an idle client must not keep the process alive.
    this.socket.unref();
  }

  get stats(): Readonly<NgClientStats> {
    return { ...this.counters };
  }

  /** Sends `command` with `params`; resolves with the reply as text. Throws NgError on a non-ok result. */
  async request(command: string, params: Record<string, BencodeInput | undefined> = {}): Promise<NgTextDict> {
    const reply = bencodeToText(await this.requestRaw(command, params)) as NgTextDict;
    const result = textOf(reply['result']);
    if (result === 'ok' || result === 'pong') return reply;
    this.counters.errors++;
    throw new NgError(command, textOf(reply['error-reason']) ?? result ?? 'no result in reply', reply);
  }

  /** Like `request` but the reply keeps its byte strings as Buffers and its result is not checked. */
  requestRaw(command: string, params: Record<string, BencodeInput | undefined> = {}): Promise<BencodeDict> {
    if (this.closed) return Promise.reject(new NgClosedError(command));
    const cookie = `${this.cookiePrefix}_${(this.sequence++).toString(36)}`;
    const body = encodeBencode({ ...params, command });
    const datagram = Buffer.concat([Buffer.from(`${cookie} `, 'latin1'), body]);
    this.counters.requests++;
    return new Promise((resolve, reject) => {
      const entry: Pending = {
        command,
        datagram,
        sends: 0,
        startedMs: Date.now(),
        timer: undefined as unknown as NodeJS.Timeout,
        resolve,
        reject,
      };
      this.pending.set(cookie, entry);
      this.send(cookie, entry);
    });
  }

  async ping(): Promise<void> {
    await this.request('ping');
  }

  async offer(params: OfferParams): Promise<OfferReply> {
    return parseOfferReply('offer', await this.request('offer', offerParams(params)));
  }

  async answer(params: AnswerParams): Promise<OfferReply> {
    return parseOfferReply('answer', await this.request('answer', answerParams(params)));
  }

  /** Ends the call (or a leg of it). rtpengine answers ok with a `warning` for an unknown call. */
  delete(params: DeleteParams): Promise<NgTextDict> {
    return this.request('delete', deleteParams(params));
  }

  query(params: QueryParams): Promise<NgTextDict> {
    return this.request('query', queryParams(params));
  }

  /** Asks rtpengine for a sendonly SDP that forks the call's media (the recorder's offer). */
  async subscribeRequest(params: SubscribeRequestParams): Promise<SubscribeRequestReply> {
    return parseSubscribeRequestReply(
      await this.request('subscribe request', subscribeRequestParams(params)),
    );
  }

  /** Answers a subscription with the recorder's SDP; rtpengine starts forking on success. */
  async subscribeAnswer(params: SubscribeAnswerParams): Promise<void> {
    await this.request('subscribe answer', subscribeAnswerParams(params));
  }

  /** Ends a subscription. rtpengine 10.5 answers ok even for an unknown to-tag. */
  async unsubscribe(params: UnsubscribeParams): Promise<void> {
    await this.request('unsubscribe', unsubscribeParams(params));
  }

  /** Rejects every pending request with NgClosedError and closes the socket; idempotent. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const [cookie, entry] of this.pending) {
      clearTimeout(entry.timer);
      this.pending.delete(cookie);
      entry.reject(new NgClosedError(entry.command));
    }
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private send(cookie: string, entry: Pending): void {
    if (entry.sends > 0) this.counters.retransmissions++;
    entry.sends++;
    this.socket.send(entry.datagram, this.address.port, this.address.host, () => {});
    entry.timer = setTimeout(() => this.onTimer(cookie, entry), this.timeoutMs);
  }

  private onTimer(cookie: string, entry: Pending): void {
    if (this.pending.get(cookie) !== entry) return;
    if (entry.sends < this.attempts) {
      this.send(cookie, entry);
      return;
    }
    this.pending.delete(cookie);
    this.counters.timeouts++;
    entry.reject(new NgTimeoutError(entry.command, entry.sends, Date.now() - entry.startedMs));
  }

  private onMessage(data: Buffer, rinfo: RemoteInfo): void {
    const space = data.indexOf(SPACE);
    if (space <= 0 || space > MAX_COOKIE) {
      this.counters.garbled++;
      return;
    }
    const entry = this.pending.get(data.toString('latin1', 0, space));
    if (entry === undefined || rinfo.port !== this.address.port) {
      this.counters.stray++;
      return;
    }
    let reply: unknown;
    try {
      reply = decodeBencode(data.subarray(space + 1), { maxDepth: this.maxDepth });
    } catch (error) {
      if (!(error instanceof BencodeError)) throw error;
      // Keep waiting: a retransmission may yet bring a clean reply.
      this.counters.garbled++;
      return;
    }
    if (typeof reply !== 'object' || reply === null || Array.isArray(reply) || Buffer.isBuffer(reply)) {
      this.counters.garbled++;
      return;
    }
    clearTimeout(entry.timer);
    this.pending.delete(data.toString('latin1', 0, space));
    this.counters.replies++;
    entry.resolve(reply as BencodeDict);
  }
}
