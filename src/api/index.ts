export { type ApiKeyIdentity, type ApiKeyVerifier, presentedKey } from './auth.js';
export { ApiError, type ApiErrorBody, type ApiErrorCode } from './errors.js';
export { parseRange, type RangeRequest } from './range.js';
export type { CallControl } from './routes/calls.js';
export type { FeatureProvisioning } from './routes/features.js';
export type { MetricsEndpoint } from './routes/system.js';
export type { TrunkProvisioning } from './routes/trunks.js';
export { type ApiServerOptions, createApiServer } from './server.js';
