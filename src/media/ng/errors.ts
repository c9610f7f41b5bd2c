/** rtpengine answered `result: error` (or another non-ok result); `reason` is its `error-reason`. */
export class NgError extends Error {
  constructor(
    readonly command: string,
    readonly reason: string,
    /** The whole reply, text form. */
    readonly response: Record<string, unknown>,
  ) {
    super(`ng ${command} failed: ${reason}`);
    this.name = 'NgError';
  }
}

/** No reply after every retransmission. */
export class NgTimeoutError extends Error {
  constructor(
    readonly command: string,
    readonly attempts: number,
    readonly elapsedMs: number,
  ) {
    super(`ng ${command}: no reply after ${attempts} attempts (${elapsedMs} ms)`);
    this.name = 'NgTimeoutError';
  }
}

/** The client was closed while the request was pending (or before it was sent). */
export class NgClosedError extends Error {
  constructor(readonly command: string) {
    super(`ng ${command}: client closed`);
    this.name = 'NgClosedError';
  }
}

/** The reply was a well-formed bencode message but not the shape the command promises. */
export class NgProtocolError extends Error {
  constructor(
    readonly command: string,
    detail: string,
  ) {
    super(`ng ${command}: unexpected reply: ${detail}`);
    this.name = 'NgProtocolError';
  }
}
