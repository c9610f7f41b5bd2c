import { detach, SipResponse } from '../message/index.js';
import type { Target } from '../transport/types.js';
import { ExpiryQueue } from './expiry-queue.js';
import type { Clock } from './types.js';

interface CompletedServer {
  readonly key: string;
  /**
   * The final response's bytes as a one-byte (latin1) string: in V8's heap, which a compacting
   * collection gives back after a burst, not in a Buffer's malloc'd store, whose freed holes
   * glibc keeps (after 100,000 registrations at 2,000/s, 64 MB of the process stayed in malloc).
   */
  readonly wire: string;
  readonly target: Target;
  readonly expiresAt: number;
}

const NO_BODY = Buffer.alloc(0);

/**
 * Non-INVITE server transactions in Completed over UDP, kept as the bytes of their final response.
 * RFC 3261 §17.2.2: in Completed a transaction only answers retransmissions of the request with
 * that response until Timer J (64·T1) fires, so the transaction object, its request and its timers
 * can go once the response is on the wire. A registrar at 2,000 REGISTERs/s has 128,000 of them
 * (each REGISTER's 401 and 200) waiting out Timer J: as records of a few hundred bytes they no
 * longer dominate the heap.
 * Every record waits the same time, so expiry is a FIFO queue swept by one timer, not a timer each.
 */
export class CompletedServers {
  private readonly records = new Map<string, CompletedServer>();
  private readonly expiries: ExpiryQueue<CompletedServer>;

  constructor(
    private readonly clock: Clock,
    private readonly lifetimeMs: () => number,
  ) {
    this.expiries = new ExpiryQueue(clock, (record) => {
      if (this.records.get(record.key) === record) this.records.delete(record.key);
    });
  }

  get size(): number {
    return this.records.size;
  }

  /** Answer retransmissions of transaction `key` with `response` at `target` for Timer J. */
  add(key: string, response: SipResponse, target: Target): void {
    const record: CompletedServer = {
      // The key is cut from the request's Via: detached, it does not keep the request alive.
      key: detach(key),
      wire: response.toBuffer().toString('latin1'),
      target,
      expiresAt: this.clock.now() + this.lifetimeMs(),
    };
    this.records.set(record.key, record);
    this.expiries.push(record);
  }

  /** The response and target to resend for a retransmission of `key`, if it is still absorbed. */
  get(key: string): { response: SipResponse; target: Target } | undefined {
    const record = this.records.get(key);
    if (record === undefined) return undefined;
    return { response: resendable(record), target: record.target };
  }

  close(): void {
    this.expiries.close();
    this.records.clear();
  }
}

/**
 * The record's response again, as bytes to resend and a status line to report, read back from
 * its first line (`SIP/2.0 401 Unauthorized`, RFC 3261 §7.2) when a retransmission asks for it.
 */
function resendable(record: CompletedServer): SipResponse {
  const wire = record.wire;
  const lineEnd = wire.indexOf('\r\n');
  const statusAt = wire.indexOf(' ') + 1;
  const response = new SipResponse(
    Number(wire.slice(statusAt, statusAt + 3)),
    wire.slice(statusAt + 4, lineEnd < 0 ? undefined : lineEnd),
    [],
    NO_BODY,
    wire.slice(0, statusAt - 1),
  );
  response.attachSource(Buffer.from(wire, 'latin1'));
  return response;
}
