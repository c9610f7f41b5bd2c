export type {
  CallJournalRepository,
  JournalOwner,
  JournalWrite,
  OpenCall,
  RecoverySelection,
} from './call-journal-types.js';
export {
  B2BUA_CHOICES,
  type B2buaChoice,
  CALL_POLICY_SCOPES,
  type CallPolicies,
  type CallPolicy,
  type CallPolicyKeys,
  type CallPolicyRepository,
  type CallPolicyScope,
  type CodecRules,
  SRTP_CHOICES,
  type SrtpChoice,
  type StoredCallPolicy,
} from './call-policy-types.js';
export { checkCallPolicy } from './call-policy-validate.js';
export {
  CDR_DISPOSITIONS,
  type Cdr,
  type CdrDisposition,
  type CdrExportFilter,
  type CdrFilter,
  type CdrHangup,
  type CdrPage,
  type CdrRepository,
} from './cdr-types.js';
export { ConflictError, InvalidInputError, NotFoundError, StoreError } from './errors.js';
export type {
  CallFeatureRepository,
  CallFeatures,
  DomainFeatures,
  FeatureChanges,
  NumberingPlan,
  StoredFeatures,
} from './feature-types.js';
export { checkFeature, checkFeatureChanges, checkForwardTarget, checkPatterns } from './feature-validate.js';
export { postgresFlavor, type SqlFlavor, sqliteFlavor } from './flavor.js';
export { digestSecrets } from './ha1.js';
export { migrate } from './migrate.js';
export { MIGRATIONS, type Migration } from './migrations.js';
export { openStore, SQLITE_FILE, StoreUnavailableError } from './open-store.js';
export { type PostgresOpenOptions, PostgresProvisioningStore } from './postgres-store.js';
export { withoutPassword } from './redact.js';
export { SqlProvisioningStore } from './sql-store.js';
export { SqliteProvisioningStore } from './sqlite-store.js';
export { checkTimeBands, formatTimeBand, inTimeBand, parseTimeBand, type TimeBand } from './time-band.js';
export { withoutSecrets } from './trunk-rows.js';
export {
  DISPATCH_ALGORITHMS,
  type DispatchAlgorithm,
  type Gateway,
  type GatewayChanges,
  type GatewayTransport,
  type LcrRoute,
  type NewGateway,
  type NewRoute,
  type NewTrunk,
  type NewTrunkRegistration,
  type RouteChanges,
  type RouteFilter,
  type RoutingSnapshot,
  type Trunk,
  type TrunkChanges,
  type TrunkRegistration,
  type TrunkRepository,
} from './trunk-types.js';
export type {
  AddressAlias,
  ApiKey,
  ApiKeyRepository,
  BanRepository,
  BindingWrites,
  DigestSecrets,
  Domain,
  DomainChanges,
  ImportProgress,
  NewApiKey,
  NewDomainOptions,
  NewSubscriber,
  ProvisioningStore,
  RecordingIndex,
  RecordingIndexFilter,
  RemoveDomainOptions,
  StoredBan,
  StoredBinding,
  StoredRecording,
  StoredRecordingPolicy,
  Subscriber,
} from './types.js';
export {
  asNumber,
  checkAuthAlgorithms,
  checkDisplayName,
  checkDomain,
  checkNumber,
  checkPassword,
  checkUser,
} from './validate.js';
export { checkFailoverCodes, checkPrefix, failsOver } from './validate-trunk.js';
