export { type BuiltinRelayConfig, createBuiltinMediaRelay } from './create.js';
export { DtmfDetector } from './dtmf.js';
export {
  type EnginesOptions,
  InlineEngines,
  portSlices,
  type RelayEngines,
  WorkerEngines,
} from './engines.js';
export { MediaRelayError } from './errors.js';
export { type Address, Latch, LEARNING_MS } from './latching.js';
export { type MosInputs, mos, mosFromR, rFactor } from './mos.js';
export type { RelayCounters } from './protocol.js';
export { BuiltinMediaRelay, type BuiltinMediaRelayOptions } from './relay.js';
export {
  ntpMiddle,
  parseRtcp,
  type RtcpCompound,
  type RtcpReportBlock,
  type RtcpVoipMetrics,
} from './rtcp.js';
export { TimeoutWatch } from './timeout-watch.js';
