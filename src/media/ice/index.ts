/** ICE-lite (RFC 8445 §2.5) responder, consent freshness (RFC 7675) and credentials. */
export { ConsentFreshness } from './consent.js';
export { newIceCredentials } from './credentials.js';
export { type IceCredentials, IceLiteResponder, type IceRefusal, type IceVerdict } from './lite.js';
