/** Subscriber authentication: the one digest check the registrar and the routing pipeline share. */
export { consumeCredentials } from './consume-credentials.js';
export { needsChallenge } from './needs-challenge.js';
export { type Claim, SubscriberAuth } from './subscriber-auth.js';
export type { CredentialStore, RequestAuthenticator } from './types.js';
