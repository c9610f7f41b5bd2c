export { AllowList } from './allow-list.js';
export { BanSync, type BanSyncOptions } from './ban-sync.js';
export { BanTable, type BanTableOptions } from './ban-table.js';
export { AllowedSourceError, EdgeGuard, type EdgeGuardOptions } from './edge-guard.js';
export { registerEdgeMetrics } from './metrics.js';
export { EventLoopLag, type OverloadCause, OverloadMonitor, type OverloadOptions } from './overload.js';
export { RateTracker, type RateTrackerOptions } from './rate-tracker.js';
export { DEFAULT_SCANNER_USER_AGENTS, ScannerDetector, userAgentOf } from './scanners.js';
export {
  BAN_REASONS,
  type Ban,
  type BanReason,
  DROP_REASONS,
  type DropReason,
  type UnbanReason,
} from './types.js';
