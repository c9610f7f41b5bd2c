/** The B2BUA role: calls held as two legs under the node's control (docs/architecture.md). */

export {
  AdmissionControl,
  type AdmissionLimits,
  type CallParties,
  type EntityLimits,
  type Refusal,
} from './admission.js';
export {
  API_HANGUP_REASON,
  B2bua,
  type B2buaMetrics,
  type B2buaOptions,
  type CallJournalSink,
  type CallRecordSink,
} from './b2bua.js';
export { B2buaCall, type CallObserver, type Side } from './b2bua-call.js';
export { checkCodecsLeft, NoCommonCodecError } from './call-codecs.js';
export { CallJournal, type CallJournalOptions } from './call-journal.js';
export { type CallCodecs, CallMedia } from './call-media.js';
export { type PartiesOfCall, partiesOf, type SubscriberParty } from './call-parties.js';
export { type CallPlan, combineCodecs, decideTakeover, planCall } from './call-plan.js';
export { CallPlanner, type CallPolicySource } from './call-planner.js';
export { B2BUA_MODES, type B2buaMode } from './call-policy.js';
export { type CallRecord, durations } from './call-record.js';
export { CdrWriter, type CdrWriterOptions, cdrOf } from './cdr-writer.js';
export { HeaderPolicy, PASSED_HEADERS } from './header-policy.js';
export { type LiveCall, type LiveCallState, type LiveLeg, liveCallOf } from './live-call.js';
export {
  type CallRecordingPolicy,
  CallRecordings,
  type CallRecordingsOptions,
  type RelayRecorder,
} from './recording-policy.js';
export {
  callerStatusFor,
  type Disposition,
  dispositionFor,
  q850ForStatus,
  q850FromReason,
  reasonFor,
} from './status-mapping.js';
export { type HeldCall, Transfers } from './transfer.js';
export { TransferredCall } from './transferred-call.js';
