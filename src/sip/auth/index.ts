export { type AnswerOptions, answerChallenge } from './answer.js';
export {
  type Challenge,
  type ChallengeOptions,
  DigestAuthenticator,
  type DigestAuthenticatorOptions,
  type Ha1Lookup,
  type VerifyOptions,
} from './authenticator.js';
export { type Awaitable, andThen } from './awaitable.js';
export { type DigestQop, type DigestResponseInput, digestHash, digestResponse, ha1, ha2 } from './digest.js';
export { type DigestErrorCode, DigestParseError } from './errors.js';
export { FailureCounter, type FailureCounterOptions } from './failure-counter.js';
export { DEFAULT_NONCE_LIFETIME_MS, type NonceCheck, NonceIssuer, type NonceIssuerOptions } from './nonce.js';
export { DEFAULT_MAX_NONCE_COUNTS, NonceCounts } from './nonce-counts.js';
export { type DigestChallenge, type ParsedChallenge, parseChallenge } from './parse-challenge.js';
export { type ParsedAuthorization, parseCredentials } from './parse-credentials.js';
export type { DigestAlgorithm, DigestCredentials, VerifyOutcome } from './types.js';
