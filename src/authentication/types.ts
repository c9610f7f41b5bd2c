import type { DigestAuthenticator } from '../sip/auth/index.js';
import type { ProvisioningStore } from '../store/types.js';

/**
 * What the node uses of the digest library: challenge and verify (tests may pass a narrower fake
 * with the same shape).
 */
export type RequestAuthenticator = Pick<DigestAuthenticator, 'challenge' | 'verify'>;

/** Where subscribers' digest secrets (HA1) are read. */
export type CredentialStore = Pick<ProvisioningStore, 'getSubscriber'>;
