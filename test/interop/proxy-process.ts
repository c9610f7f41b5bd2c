import type { Child, ExitInfo } from './child.js';
import type { SipTransport } from './sipp.js';

/** What a test needs from a proxy under test, whichever program it is. */
export interface ProxyProcess {
  readonly name: string;
  /** SIP port on 127.0.0.1 (UDP, and TCP when started with transport tcp). */
  readonly port: number;
  readonly child: Child;
  /** Output tails and exit status, for assertion messages. */
  report(): string;
  /** SIGTERM; resolves with how it ended (`killed` when it needed SIGKILL). */
  stop(): Promise<ExitInfo & { killed: boolean }>;
}

export interface ProxyOptions {
  /** The next hop every request is forwarded to: a SIPp UAS on 127.0.0.1. */
  nextHopPort: number;
  /** `tcp`: listen on UDP and TCP and reach the next hop over TCP. */
  transport: SipTransport;
}

/** The next-hop URI a proxy is configured with. */
export function nextHopUri(options: ProxyOptions): string {
  const transport = options.transport === 'tcp' ? ';transport=tcp' : '';
  return `sip:127.0.0.1:${options.nextHopPort}${transport}`;
}
