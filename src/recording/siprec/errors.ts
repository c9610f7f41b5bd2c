/** Typed errors of the SIPREC protocol pieces; the SRS maps each to a SIP response. */

export type MultipartErrorCode =
  | 'not-multipart'
  | 'no-boundary'
  | 'bad-boundary'
  | 'no-opening-delimiter'
  | 'no-closing-delimiter'
  | 'too-many-parts'
  | 'headers-too-large'
  | 'malformed-header'
  | 'too-deep';

/** A multipart body (RFC 2046 §5.1) that cannot be split; the server answers 400. */
export class MultipartError extends Error {
  constructor(
    readonly code: MultipartErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MultipartError';
  }
}

export type MetadataErrorCode =
  | 'too-large'
  | 'doctype'
  | 'too-deep'
  | 'malformed'
  | 'not-recording'
  | 'missing-id';

/** Recording metadata (RFC 7865) that is refused: hostile, oversized or not a recording document. */
export class MetadataError extends Error {
  constructor(
    readonly code: MetadataErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MetadataError';
  }
}

/** No offered stream can be recorded; the server answers 488 Not Acceptable Here (RFC 3261 §21.4.26). */
export class SdpNegotiationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SdpNegotiationError';
  }
}
