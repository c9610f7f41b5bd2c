import type { MediaSessionStatistics } from '../media/relay/index.js';
import type { UaTimers } from '../sip/ua/index.js';
import type { CallMedia } from './call-media.js';

/** The BYE's Reason when the relay saw no RTP: Q.850 102, recovery on timer expiry (as for session timers). */
export const MEDIA_TIMEOUT_REASON = 'Q.850;cause=102;text="Media timeout"';
export const MEDIA_TIMEOUT_CAUSE = 102;

/** Queries are never closer together than this, whatever the last packet's time says. */
const MIN_RECHECK_MS = 1000;

export interface MediaTimeoutOptions {
  timers: UaTimers;
  now: () => number;
  /** ms without RTP from either side before the call is ended. */
  timeoutMs: number;
  /** The relay's statistics of the call (undefined: the relay no longer has it). */
  query: () => Promise<MediaSessionStatistics | undefined>;
  /** The call's media as offered: on hold (its last offer was not sendrecv), and offers made so far. */
  media: () => { held: boolean; offers: number };
  /** No RTP for `idleMs`, or the relay lost the call: end it. */
  expired: (idleMs: number) => void;
  onError: (error: unknown, context: string) => void;
}

/** The latest RTP packet of any stream (RTCP does not count: rtpengine's --timeout is about RTP). */
export function lastRtpAt(stats: MediaSessionStatistics): number {
  let last = 0;
  for (const stream of stats.streams) {
    if (stream.component === 'rtp' && stream.lastPacketAt !== undefined && stream.lastPacketAt > last)
      last = stream.lastPacketAt;
  }
  return last;
}

/**
 * One answered call's media timeout, the same on every relay backend: the relay is asked (its
 * `query`, each stream's last packet) only when the time would be up counted from the last packet
 * it reported, so a call with flowing media costs one query per timeout, not one per second.
 * rtpengine reports last packets in whole seconds; that second is within the timeout's slack.
 */
export class MediaTimeout {
  private timer: unknown;
  private stopped = false;
  /** When counting started again: the answer, or a check that found a new offer or a hold. */
  private since: number;
  private offers: number;

  constructor(private readonly options: MediaTimeoutOptions) {
    this.since = options.now();
    this.offers = options.media().offers;
    this.arm(options.timeoutMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Whether a check is scheduled (for tests and leak checks). */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  private arm(ms: number): void {
    if (this.stopped) return;
    this.timer = this.options.timers.setTimeout(() => void this.check(), Math.max(MIN_RECHECK_MS, ms));
  }

  private async check(): Promise<void> {
    this.timer = undefined;
    const { timeoutMs, now } = this.options;
    const media = this.options.media();
    if (media.held || media.offers !== this.offers) {
      // A held call sends no media; a new offer (resume, new ports) may take a while to start
      // RTP: either way the count starts again now, never sooner than the change.
      this.offers = media.offers;
      this.since = now();
      this.arm(timeoutMs);
      return;
    }
    let stats: MediaSessionStatistics | undefined;
    try {
      stats = await this.options.query();
    } catch (error) {
      // The relay did not answer (rtpengine unreachable): not a reason to end a call; ask again.
      if (this.stopped) return;
      this.options.onError(error, 'media timeout query');
      this.arm(timeoutMs);
      return;
    }
    if (this.stopped) return;
    const at = now();
    if (stats === undefined) {
      this.stop();
      this.options.expired(at - this.since);
      return;
    }
    const last = Math.max(this.since, lastRtpAt(stats));
    const idle = at - last;
    if (idle >= timeoutMs) {
      this.stop();
      this.options.expired(idle);
      return;
    }
    this.arm(timeoutMs - idle);
  }
}

/**
 * The media timeout of a call just answered, or undefined when there is none to watch: the
 * timeout is off (0), or the call's media is not anchored on a relay (no relay, no SDP).
 */
export function startMediaTimeout(
  deps: {
    core: { timers: UaTimers };
    now: () => number;
    mediaTimeout?: number;
    onError: MediaTimeoutOptions['onError'];
  },
  media: CallMedia,
  end: (reason: string, cause: number) => void,
): MediaTimeout | undefined {
  const timeoutMs = deps.mediaTimeout ?? 0;
  if (timeoutMs <= 0 || !media.used) return undefined;
  return new MediaTimeout({
    timers: deps.core.timers,
    now: deps.now,
    timeoutMs,
    query: () => media.query(),
    media: () => ({ held: media.held, offers: media.offers }),
    expired: () => end(MEDIA_TIMEOUT_REASON, MEDIA_TIMEOUT_CAUSE),
    onError: deps.onError,
  });
}
