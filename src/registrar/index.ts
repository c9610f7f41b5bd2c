export { type AddressOfRecord, addressOfRecord } from './aor.js';
export { bindingEvent } from './binding-event.js';
export { CredentialCache } from './credential-cache.js';
export { DomainAlgorithms } from './domain-algorithms.js';
export { KeyedLock } from './keyed-lock.js';
export { LocalDomains } from './local-domains.js';
export { Registrar, type RegistrarDeps } from './registrar.js';
export { type Plan, type PlanInput, planRegistration, type RegisterContact } from './registration-plan.js';
export {
  defaultRegistrarOptions,
  type RegistrarOptions,
  type SubscriberStore,
} from './types.js';
