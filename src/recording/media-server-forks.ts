import { NgClient, NgError, NgTimeoutError, type SubscribeRequestReply } from '../media/ng/index.js';
import type { MediaRelay } from '../media/relay/index.js';
import { RecordingError } from './types.js';

/** One media server forking one call's media to the recorder (an rtpengine subscription). */
export interface MediaFork {
  address: string;
  callId: string;
  /** The subscription's to-tag, chosen by rtpengine. */
  toTag: string;
  /** Set when the node's own media relay forks the call (a B2BUA call): unsubscribe through it. */
  relay?: MediaRelay;
}

/**
 * The recorder's side of rtpengine's ng protocol: `subscribe request` (every leg, or the ones
 * named by from-tag, with `siprec` labels), `subscribe answer` with the recorder's SDP, and
 * `unsubscribe`. One ng client per media server address; failures become RecordingErrors.
 */
export class MediaServerForks {
  private readonly clients = new Map<string, NgClient>();

  constructor(private readonly newClient: (address: string) => NgClient = (a) => new NgClient(a)) {}

  async subscribe(
    address: string,
    callId: string,
    fromTags?: string[],
  ): Promise<{ fork: MediaFork; reply: SubscribeRequestReply }> {
    try {
      const reply = await this.client(address).subscribeRequest({
        callId,
        ...(fromTags ? { fromTags } : {}),
        flags: fromTags ? ['siprec'] : ['all', 'siprec'],
      });
      return { fork: { address, callId, toTag: reply.toTag }, reply };
    } catch (e) {
      throw mediaServerError(address, e);
    }
  }

  async answer(fork: MediaFork, sdp: string): Promise<void> {
    try {
      await this.client(fork.address).subscribeAnswer({ callId: fork.callId, toTag: fork.toTag, sdp });
    } catch (e) {
      throw mediaServerError(fork.address, e);
    }
  }

  /** Ends the fork; rejects when the media server says no (the call may be gone already). */
  async unsubscribe(fork: MediaFork): Promise<void> {
    if (fork.relay) await fork.relay.unsubscribe({ callId: fork.callId, toTag: fork.toTag });
    else await this.client(fork.address).unsubscribe({ callId: fork.callId, toTag: fork.toTag });
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
  }

  private client(address: string): NgClient {
    let client = this.clients.get(address);
    if (!client) {
      client = this.newClient(address);
      this.clients.set(address, client);
    }
    return client;
  }
}

function mediaServerError(address: string, e: unknown): RecordingError {
  if (e instanceof NgError && /unknown call/i.test(e.reason)) {
    return new RecordingError('not-found', `media server ${address} does not know that call (${e.reason})`);
  }
  if (e instanceof NgTimeoutError) {
    return new RecordingError('media-server', `media server ${address} did not answer`);
  }
  return new RecordingError('media-server', `media server ${address}: ${(e as Error).message}`);
}
