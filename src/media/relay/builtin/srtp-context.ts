import { type SrtpCounters, SrtpSession } from '../../srtp/index.js';
import type { EndpointSrtp } from './protocol.js';

function sameKeys(a: EndpointSrtp['send'], b: EndpointSrtp['send']): boolean {
  if (a === undefined || b === undefined) return a === b;
  return Buffer.compare(a.key, b.key) === 0 && Buffer.compare(a.salt, b.salt) === 0;
}

function session(suite: EndpointSrtp['suite'], keys: EndpointSrtp['send']): SrtpSession | undefined {
  return keys === undefined
    ? undefined
    : new SrtpSession(suite, Buffer.from(keys.key), Buffer.from(keys.salt));
}

/**
 * The SRTP contexts of one endpoint: `receive` with the side's key for what it sends, `send` with
 * the relay's key for what goes to it. Packets in a direction without a key yet are dropped.
 */
export class EndpointSrtpContext {
  private constructor(
    private readonly config: EndpointSrtp,
    private readonly receive: SrtpSession | undefined,
    private readonly send: SrtpSession | undefined,
    /** Inbound packets refused for want of a key. */
    private unkeyed = 0,
  ) {}

  /** The context for `config`, keeping `previous`'s ROC and replay state where the keys did not change. */
  static update(previous: EndpointSrtpContext | undefined, config: EndpointSrtp | undefined) {
    if (config === undefined) return undefined;
    const suiteSame = previous?.config.suite === config.suite;
    const receive =
      suiteSame && sameKeys(previous.config.receive, config.receive)
        ? previous.receive
        : session(config.suite, config.receive);
    const send =
      suiteSame && sameKeys(previous.config.send, config.send)
        ? previous.send
        : session(config.suite, config.send);
    return new EndpointSrtpContext(config, receive, send, previous?.unkeyed ?? 0);
  }

  get counters(): SrtpCounters {
    const c = this.receive?.counters ?? { authFailures: 0, replays: 0, malformed: 0 };
    return { ...c, malformed: c.malformed + this.unkeyed };
  }

  unprotectRtp(packet: Buffer): Buffer | undefined {
    if (this.receive === undefined) {
      this.unkeyed++;
      return undefined;
    }
    return this.receive.unprotectRtp(packet);
  }

  unprotectRtcp(packet: Buffer): Buffer | undefined {
    if (this.receive === undefined) {
      this.unkeyed++;
      return undefined;
    }
    return this.receive.unprotectRtcp(packet);
  }

  protectRtp(packet: Buffer): Buffer | undefined {
    return this.send?.protectRtp(packet);
  }

  protectRtcp(packet: Buffer): Buffer | undefined {
    return this.send?.protectRtcp(packet);
  }
}
