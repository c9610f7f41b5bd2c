import type { HangupSide } from '../events/index.js';
import type { MediaSessionStatistics } from '../media/relay/index.js';
import type { Disposition } from './status-mapping.js';

/**
 * What one B2BUA call was, once it ended: the input of its CDR and its call.completed event.
 * A transfer (src/b2bua/transfer.ts) keeps one record per call: the original call's says it was
 * answered and ended by the referrer's side (`hangup`, cause 16); the call the transfer made is
 * another record — caller the referrer, callee the target, `callerCallId` the transferee's leg
 * (which the original record names too), sides: the transferee `caller`, the target `callee`.
 */
export interface CallRecord {
  /** The B2BUA's id of the call. */
  id: string;
  /** Call-ID of the caller's leg and of the callee leg (different on purpose: topology hiding). */
  callerCallId: string;
  calleeCallId: string;
  /** The caller (the proven subscriber, else the From URI) and the callee (Request-URI as routed). */
  caller: string;
  callee: string;
  /** Inbound trunk the call came from, outbound trunk it went to (the last one tried). */
  sourceTrunk?: string;
  trunk?: string;
  /** ms since the epoch. */
  setupAt: number;
  ringingAt?: number;
  answerAt?: number;
  endAt: number;
  /** The call's final SIP status (200 once answered). */
  status: number;
  /** Q.850 cause (RFC 3326 Reason, else RFC 3398's mapping of the status). */
  cause: number;
  hangup: HangupSide;
  disposition: Disposition;
  media?: MediaSessionStatistics;
  /** The Reason (RFC 3326) the node sent both legs when it ended the call itself. */
  reason?: string;
  /** The recording made of the call by its recording policy (src/b2bua/recording-policy.ts). */
  recordingId?: string;
}

/** Seconds from answer to end (0 unanswered), and whole seconds started, as carriers bill. */
export function durations(record: Pick<CallRecord, 'answerAt' | 'endAt' | 'setupAt'>): {
  duration: number;
  billable: number;
} {
  const duration = Math.max(0, (record.endAt - record.setupAt) / 1000);
  const talk = record.answerAt === undefined ? 0 : Math.max(0, record.endAt - record.answerAt);
  return { duration: Math.round(duration * 1000) / 1000, billable: Math.ceil(talk / 1000) };
}
