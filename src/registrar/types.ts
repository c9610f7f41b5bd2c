import type { ProvisioningStore } from '../store/types.js';

/** The provisioning the registrar reads. */
export type SubscriberStore = Pick<ProvisioningStore, 'hasDomain' | 'getSubscriber'>;

/** Registrar policy (RFC 3261 §10.3); the lead maps configuration keys onto these. */
export interface RegistrarOptions {
  /** Shorter non-zero intervals get 423 with Min-Expires (§10.3 step 7). Default 60 s. */
  minExpires: number;
  /** Longer intervals are shortened to this (§10.3 step 7: the registrar MAY shorten). Default 7200 s. */
  maxExpires: number;
  /** Interval when neither the contact nor the request says (§10.3 step 7). Default 3600 s. */
  defaultExpires: number;
  /** Bindings kept per AoR; the least recently refreshed ones are evicted beyond it. Default 5. */
  maxContacts: number;
  /** Contact values accepted in one REGISTER; more is a 400. Default 20. */
  maxContactsPerRequest: number;
}

export const defaultRegistrarOptions: RegistrarOptions = {
  minExpires: 60,
  maxExpires: 7200,
  defaultExpires: 3600,
  maxContacts: 5,
  maxContactsPerRequest: 20,
};
