export { grantedExpires } from './granted-expires.js';
export { RegistrationClient, type RegistrationClientOptions } from './registration-client.js';
export { DEFAULT_RETRY, type RetryPolicy, refreshDelayMs, retryDelayMs } from './schedule.js';
export type { RegistrationCredentials, RegistrationState, RegistrationStatus } from './types.js';
