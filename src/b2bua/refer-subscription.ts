import { reasonPhrase } from '../sip/message/index.js';
import type { InviteSession } from '../sip/ua/index.js';

/** How long the implicit subscription lasts unless the transfer ends first (RFC 3515 §2.4.4). */
const EXPIRES = 60;

/**
 * The implicit subscription a REFER creates in the referrer's INVITE dialog (RFC 3515 §2.4.4):
 * NOTIFYs (Event: refer, with the REFER's CSeq as id, §2.4.6) whose message/sipfrag body is the
 * status line of the transferred call's progress: `active` for 1xx, and with the final status
 * `terminated;reason=noresource` (§2.4.7). NOTIFYs leave one at a time, in order; the referrer's
 * 481 or 408 to one ends only the subscription (RFC 5057 §5.1), not the call.
 */
export class ReferSubscription {
  private terminated = false;
  private lastProvisional = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly session: InviteSession,
    /** The REFER's CSeq number. */
    private readonly id: number,
    private readonly onError: (error: unknown, context: string) => void,
  ) {}

  get ended(): boolean {
    return this.terminated;
  }

  /** A provisional of the transferred call (100 Trying, 180 Ringing...): each status once. */
  progress(status: number, reason?: string): void {
    if (this.terminated || status <= this.lastProvisional) return;
    this.lastProvisional = status;
    this.send(status, reason, `active;expires=${EXPIRES}`);
  }

  /** The transferred call's final status; the subscription ends with it. */
  final(status: number, reason?: string): Promise<void> {
    if (this.terminated) return Promise.resolve();
    this.terminated = true;
    return this.send(status, reason, 'terminated;reason=noresource');
  }

  private send(status: number, reason: string | undefined, state: string): Promise<void> {
    const phrase = (reason ?? reasonPhrase(status)).replace(/[\r\n]/g, ' ');
    const body = `SIP/2.0 ${status} ${phrase}\r\n`;
    const sent = this.queue.then(async () => {
      if (this.session.state === 'terminated') return;
      const response = await this.session.request('NOTIFY', {
        headers: [
          ['event', `refer;id=${this.id}`],
          ['subscription-state', state],
        ],
        body,
        contentType: 'message/sipfrag;version=2.0',
      });
      // §2.4.4: a referrer that has no subscription (481) wants no more NOTIFYs.
      if (response.status === 481) this.terminated = true;
    });
    this.queue = sent.catch((error) => this.onError(error, 'send NOTIFY'));
    return this.queue.then(() => {});
  }
}
