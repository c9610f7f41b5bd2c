import type { UaTimers } from '../sip/ua/index.js';
import type { Side } from './b2bua-call.js';
import type { CallMedia } from './call-media.js';
import { type MediaTimeout, type MediaTimeoutOptions, startMediaTimeout } from './media-timeout.js';
import { LegSessionTimer, type SessionExpires } from './session-timer.js';
import { NORMAL_CLEARING } from './status-mapping.js';

/** The Reason (RFC 3326) both legs get when `b2bua.maxCallDuration` is up; the CDR keeps it. */
export const MAX_DURATION_REASON = 'SIP;cause=200;text="Maximum call duration"';

/** Q.850 cause of a call ended because its session timer expired or a refresh failed (RFC 4028 §10). */
const SESSION_TIMER_CAUSE = 102;

/** What the timers of a call need of the node. */
export interface CallTimersDeps {
  core: { timers: UaTimers };
  now: () => number;
  /** ms an answered call may last (0: no limit). */
  maxDuration: number;
  /** ms an answered call's relay may see no RTP (0 or absent: never). */
  mediaTimeout?: number;
  onError: MediaTimeoutOptions['onError'];
}

/**
 * The timers that end an answered B2BUA call from the node's side, for a taken call and a
 * transfer's alike: the maximum call duration, the media timeout (media-timeout.ts) and each
 * leg's RFC 4028 session timer. Each ends the call through `end` with its Reason and cause;
 * `stop` (the call ended) clears them all.
 */
export class CallTimers {
  private maxTimer: unknown;
  private mediaTimeout: MediaTimeout | undefined;
  private readonly sessions: Partial<Record<Side, LegSessionTimer>> = {};

  constructor(
    private readonly deps: CallTimersDeps,
    private readonly media: CallMedia,
    private readonly end: (reason: string, cause: number) => void,
  ) {}

  /** The call is answered: its maximum duration and media timeout start. */
  answered(): void {
    if (this.deps.maxDuration > 0) {
      this.maxTimer = this.deps.core.timers.setTimeout(
        () => this.end(MAX_DURATION_REASON, NORMAL_CLEARING),
        this.deps.maxDuration,
      );
    }
    this.mediaTimeout = startMediaTimeout(this.deps, this.media, this.end);
  }

  /**
   * A leg's session timer (RFC 4028 §10): `refresh` sends our refresh and resolves with its
   * status; an expired session or a failed refresh ends the call with cause 102.
   */
  startSession(
    side: Side,
    expires: SessionExpires & { weRefresh: boolean },
    refresh: () => Promise<number>,
  ): void {
    this.sessions[side] = new LegSessionTimer(this.deps.core.timers, expires, refresh, (why) =>
      this.end(why, SESSION_TIMER_CAUSE),
    );
  }

  /** A leg's session timer, while it runs. */
  session(side: Side): LegSessionTimer | undefined {
    return this.sessions[side];
  }

  /** The call ended: no timer of it fires any more. */
  stop(): void {
    if (this.maxTimer !== undefined) this.deps.core.timers.clearTimeout(this.maxTimer);
    this.mediaTimeout?.stop();
    this.sessions.caller?.stop();
    this.sessions.callee?.stop();
  }
}
