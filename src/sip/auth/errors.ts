import { SipParseError } from '../message/index.js';

export type DigestErrorCode =
  /** Not auth-param syntax (RFC 7235 §2.1): unterminated quote, missing '=', stray characters. */
  | 'syntax'
  /** Over the size bounds we accept from the network. */
  | 'too-large'
  /** A directive the grammar requires is absent, or one appears twice. */
  | 'missing'
  /** Well-formed, but an algorithm or qop we do not implement. */
  | 'unsupported';

/**
 * Why an Authorization / WWW-Authenticate value could not be used. The only error the
 * parsers throw; a SipParseError, so a role that lets it escape still answers 400.
 */
export class DigestParseError extends SipParseError {
  constructor(
    readonly code: DigestErrorCode,
    message: string,
    /** The realm, when it could be read: lets a verifier skip bad credentials meant for others. */
    readonly realm?: string,
  ) {
    super(message);
    this.name = 'DigestParseError';
  }
}
