/** A request the built-in relay cannot carry out: the message says what and why. */
export class MediaRelayError extends Error {
  constructor(
    message: string,
    /** unknown-call, bad-sdp, unsupported, no-ports, failed */
    readonly code: 'unknown-call' | 'bad-sdp' | 'unsupported' | 'no-ports' | 'failed',
  ) {
    super(message);
    this.name = 'MediaRelayError';
  }
}
