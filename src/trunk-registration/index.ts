export { type RegistrationAddresses, registrationAddresses } from './addresses.js';
export { TrunkRegistrations, type TrunkRegistrationsOptions } from './trunk-registrations.js';
export type { RegisteringTrunk, RegistrationSettings, TrunkRegistrationStatus } from './types.js';
