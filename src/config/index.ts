export { defaultConfig } from './defaults.js';
export type { Environment } from './env-layer.js';
export { ConfigError, type ConfigProblem } from './errors.js';
export { flagAttribute } from './flag-layer.js';
export { KEYS, type KeySpec } from './keys.js';
export { type LoadConfigOptions, loadConfig, type ResolvedConfig, resolveConfig } from './load.js';
export { getPath, setPath } from './paths.js';
export { type SourceRef, sourceLabel } from './sources.js';
export {
  type GatewaysConfig,
  LOG_LEVELS,
  type LogLevel,
  type MediaConfig,
  type MemoryConfig,
  type NatConfig,
  PROXY_MODES,
  type ProxyConfig,
  type ProxyMode,
  SIP_TRANSPORTS,
  type SipConfig,
  type SipTimersConfig,
  type SipTransportName,
  type StoreConfig,
  type SwitchboardConfig,
} from './types.js';
