import { parseParameters, type SipMessage } from '../sip/message/index.js';
import type { UaTimers } from '../sip/ua/index.js';

/** RFC 4028 §4: the smallest session interval (Min-SE's floor). */
export const MIN_SESSION_EXPIRES = 90;

export interface SessionExpires {
  /** Seconds. */
  interval: number;
  refresher?: 'uac' | 'uas';
}

/** RFC 4028 §4: `Session-Expires: 1800;refresher=uac`; undefined when absent or malformed. */
export function parseSessionExpires(message: SipMessage): SessionExpires | undefined {
  const value = message.get('session-expires');
  if (value === undefined) return undefined;
  const semi = value.indexOf(';');
  const interval = Number((semi < 0 ? value : value.slice(0, semi)).trim());
  if (!Number.isInteger(interval) || interval < 1) return undefined;
  let refresher: string | null | undefined;
  try {
    refresher = semi < 0 ? undefined : parseParameters(value, semi).params.get('refresher');
  } catch {
    return { interval };
  }
  return refresher === 'uac' || refresher === 'uas' ? { interval, refresher } : { interval };
}

/**
 * RFC 4028 §8: an INVITE asking for a session interval below our Min-SE is refused 422 with
 * `Min-SE: 90`, so the caller can ask again with at least that.
 */
export function intervalTooSmall(request: SipMessage): boolean {
  const asked = parseSessionExpires(request);
  return asked !== undefined && asked.interval < MIN_SESSION_EXPIRES;
}

/** Whether the peer said it supports session timers (Supported or Require: timer). */
export function supportsTimer(message: SipMessage): boolean {
  return [...message.getAll('supported'), ...message.getAll('require')].some(
    (tag) => tag.trim().toLowerCase() === 'timer',
  );
}

/**
 * One leg's session timer (RFC 4028 §10): as the refresher, refresh at half the interval; else
 * expect the peer's refresh and give up on the session when it does not come by the interval
 * less min(32 s, a third of it). A refresh failing with 408 or 481 (or no answer) ends it too.
 */
export class LegSessionTimer {
  private timer: unknown;
  private stopped = false;

  constructor(
    private readonly timers: UaTimers,
    private readonly expires: SessionExpires & { weRefresh: boolean },
    /** Send a refresh; resolves with its final status. */
    private readonly refresh: () => Promise<number>,
    /** The session is gone: end the call. */
    private readonly expired: (why: string) => void,
  ) {
    this.arm();
  }

  get weRefresh(): boolean {
    return this.expires.weRefresh;
  }

  /** The peer sent a session refresh (re-INVITE or UPDATE) and we answered it 2xx. */
  refreshed(): void {
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    const seconds = this.expires.interval;
    if (this.expires.weRefresh) {
      this.timer = this.timers.setTimeout(() => void this.refreshNow(), (seconds * 1000) / 2);
    } else {
      const before = Math.min(32, seconds / 3);
      this.timer = this.timers.setTimeout(
        () => this.expired('SIP;cause=408;text="Session timer expired"'),
        (seconds - before) * 1000,
      );
    }
  }

  private async refreshNow(): Promise<void> {
    let status: number;
    try {
      status = await this.refresh();
    } catch {
      status = 408;
    }
    if (this.stopped) return;
    if (status === 408 || status === 481) {
      this.expired(`SIP;cause=${status};text="Session refresh failed"`);
      return;
    }
    this.arm();
  }
}
