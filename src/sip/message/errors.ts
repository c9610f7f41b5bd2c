/** A syntax error in a SIP message, a header value or a URI. Carries the response code it deserves. */
export class SipParseError extends Error {
  constructor(
    message: string,
    /** The status a server answers a request with for this error (400 unless stated). */
    readonly status = 400,
  ) {
    super(message);
    this.name = 'SipParseError';
  }
}
