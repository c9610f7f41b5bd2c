/**
 * `registering` while the first REGISTER is out; `registered` once the registrar granted the
 * binding; `failed` after a refusal or no answer (a retry is scheduled); `unregistered` before the
 * start and after the stop.
 */
export type RegistrationState = 'unregistered' | 'registering' | 'registered' | 'failed';

/** Where one registration stands, as the CLI, API and /metrics show it. */
export interface RegistrationStatus {
  state: RegistrationState;
  /** When the granted binding runs out (ms since the epoch): while registered, and after a failed refresh until then. */
  expiresAt?: number;
  /** The expiry the registrar granted, in seconds (RFC 3261 §10.2.4). */
  expires?: number;
  /** When the last REGISTER succeeded. */
  registeredAt?: number;
  /** The last final status received (or made up for a timeout: 408, §8.1.3.1). */
  lastStatus?: number;
  /** Why the last attempt failed. */
  lastError?: string;
  /** When the next REGISTER goes out: the refresh, or the retry after a failure. */
  nextAttemptAt?: number;
  /** Failed attempts since the last success. */
  failures: number;
}

export interface RegistrationCredentials {
  username: string;
  password: string;
  /** Answer challenges of this realm only; any realm when absent. */
  realm?: string;
}
