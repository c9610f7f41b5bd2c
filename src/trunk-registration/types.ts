import type { RegistrationStatus } from '../sip/registration/index.js';

/** What a trunk's outbound registration is made of (the store's TrunkRegistration). */
export interface RegistrationSettings {
  /** The carrier's registrar, `sip:registrar.carrier.example[:port][;transport=tcp]`. */
  registrar: string;
  username: string;
  password: string;
  /** Answer challenges of this realm only; any realm when absent. */
  realm?: string;
  /** The expiry asked for, in seconds. */
  expires: number;
}

/** The parts of a stored trunk the registrations follow. */
export interface RegisteringTrunk {
  name: string;
  enabled: boolean;
  registration?: RegistrationSettings;
}

/** One trunk's registration, as the CLI, API and /metrics show it. */
export interface TrunkRegistrationStatus extends RegistrationStatus {
  trunk: string;
  registrar: string;
  /** The address-of-record registered: `sip:username@registrar-host`. */
  aor: string;
  /** The Contact registered: where the carrier sends the trunk's calls. */
  contact: string;
}
