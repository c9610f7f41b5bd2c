import type { DomainFeatures } from '../../store/index.js';
import type { Diversion } from './diversion.js';

/** Built-in defaults (Asterisk's and most switches'): ring 20 s, at most 5 diversions. */
export const DEFAULT_RING_TIMEOUT_S = 20;
export const DEFAULT_MAX_DIVERSIONS = 5;

/** The subscriber whose phones a call rings now, for the failure stages (CFB, CFNA, CFNR). */
export interface CalleeState {
  /** `sip:alice@example.com`. */
  aor: string;
  domain: string;
  features: DomainFeatures;
  /** Diversions this node made so far, oldest first. */
  diversions: Diversion[];
  /** Every address the call was at (and the diversions it arrived with): loop detection. */
  visited: string[];
  /** The sum of the counters of the Diversion headers the request arrived with. */
  received: number;
  /** When its phones started ringing (ms): a 408 after the ring timeout is no answer. */
  startedAt: number;
}
