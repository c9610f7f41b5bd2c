import type { MediaRelay } from '../media/relay/index.js';

/** What the B2BUA asks of the recording service (RecordingManager). */
export interface RelayRecorder {
  /** Records a call whose media `relay` carries (it forks the legs); resolves with the recording. */
  startFromRelay(
    relay: MediaRelay,
    request: { callId: string; store: boolean; streamUrl?: string },
  ): Promise<{ id: string }>;
  stop(id: string, reason?: string): Promise<unknown>;
}

/** A recording policy as it applies to one call. */
export interface CallRecordingPolicy {
  /** Whose policy it is, `user@domain`. */
  subscriber: string;
  store: boolean;
  streamUrl?: string;
}

export interface CallRecordingsOptions {
  recorder: RelayRecorder | undefined;
  /** The relay the B2BUA anchors media on; undefined when media passes unanchored. */
  relay: MediaRelay | undefined;
  /** A call that had to go on unrecorded, and why (logged as a warning). */
  onUnrecorded: (callId: string, policy: CallRecordingPolicy, why: string) => void;
  /** Counters: recordings started, and calls left unrecorded by reason (no-relay, relay-refused). */
  metrics?: { started(): void; unrecorded(reason: 'no-relay' | 'relay-refused'): void };
}

/**
 * Recording policies applied to B2BUA calls: once a call of a subscriber with a policy is
 * answered, the recorder forks its media from the relay; when the call ends the recording stops
 * and its id goes into the CDR. A call the relay cannot fork (media not anchored, or the relay
 * refusing the subscription) goes on unrecorded, with a warning and a metric: never refused for it.
 */
export class CallRecordings {
  /** Per call id: the recording's id once started (undefined when it could not start). */
  private readonly started = new Map<string, Promise<string | undefined>>();

  constructor(private readonly options: CallRecordingsOptions) {}

  /** The call is answered: start recording it. */
  start(callId: string, policy: CallRecordingPolicy): void {
    const { recorder, relay } = this.options;
    if (!recorder || !relay) {
      this.unrecorded(callId, policy, 'no-relay', 'its media is not anchored on a relay (b2bua.anchorMedia)');
      return;
    }
    const request = {
      callId,
      store: policy.store,
      ...(policy.streamUrl !== undefined ? { streamUrl: policy.streamUrl } : {}),
    };
    this.started.set(
      callId,
      recorder.startFromRelay(relay, request).then(
        (recording) => {
          this.options.metrics?.started();
          return recording.id;
        },
        (error: unknown) => {
          this.unrecorded(callId, policy, 'relay-refused', (error as Error).message);
          return undefined;
        },
      ),
    );
  }

  /** The call ended: its recording stops; resolves with its id (for the CDR). Never rejects. */
  async end(callId: string): Promise<string | undefined> {
    const pending = this.started.get(callId);
    if (!pending) return undefined;
    this.started.delete(callId);
    const id = await pending;
    // Already over when the media stopped first: the recording is complete either way.
    if (id !== undefined) await this.options.recorder?.stop(id, 'call-ended').catch(() => {});
    return id;
  }

  /** Whether a recording of this call was started (or is starting). */
  has(callId: string): boolean {
    return this.started.has(callId);
  }

  /** Calls whose recording is being started or runs. */
  get active(): number {
    return this.started.size;
  }

  private unrecorded(
    callId: string,
    policy: CallRecordingPolicy,
    reason: 'no-relay' | 'relay-refused',
    why: string,
  ): void {
    this.options.metrics?.unrecorded(reason);
    this.options.onUnrecorded(callId, policy, why);
  }
}
