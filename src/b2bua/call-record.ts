import type { HangupSide } from '../events/index.js';
import type { MediaSessionStatistics } from '../media/relay/index.js';
import { type Disposition, dispositionFor, q850ForStatus } from './status-mapping.js';

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

/** What a call knows of itself when it ends: the record's fields as the call holds them. */
export interface CallEnding
  extends Pick<
    CallRecord,
    | 'id'
    | 'callerCallId'
    | 'calleeCallId'
    | 'caller'
    | 'callee'
    | 'setupAt'
    | 'ringingAt'
    | 'answerAt'
    | 'endAt'
  > {
  sourceTrunk: string | undefined;
  trunk: string | undefined;
  /** The final status it got when unanswered (0: none, recorded as 500). */
  finalStatus: number;
  cause: number | undefined;
  hangup: HangupSide | undefined;
  /** The caller cancelled it (disposition `cancelled`). */
  callerCancelled: boolean;
  media: MediaSessionStatistics | undefined;
  /** The Reason of the node's own ending of the call, kept when the node hung up. */
  endReason: string | undefined;
}

/**
 * A B2BUA call's record, taken call or transfer's alike: status 200 once answered, else its final
 * status; the cause from the Reason it got, else the status's (RFC 3398); hangup `node` unless a
 * side hung up.
 */
export function callRecordOf(ending: CallEnding): CallRecord {
  const answered = ending.answerAt !== undefined;
  const status = answered ? 200 : ending.finalStatus || 500;
  const hangup = ending.hangup ?? 'node';
  const record: CallRecord = {
    id: ending.id,
    callerCallId: ending.callerCallId,
    calleeCallId: ending.calleeCallId,
    caller: ending.caller,
    callee: ending.callee,
    setupAt: ending.setupAt,
    endAt: ending.endAt,
    status,
    cause: ending.cause ?? q850ForStatus(status),
    hangup,
    disposition: dispositionFor(answered, status, ending.callerCancelled),
  };
  if (ending.sourceTrunk) record.sourceTrunk = ending.sourceTrunk;
  if (ending.trunk) record.trunk = ending.trunk;
  if (ending.ringingAt !== undefined) record.ringingAt = ending.ringingAt;
  if (ending.answerAt !== undefined) record.answerAt = ending.answerAt;
  if (ending.media) record.media = ending.media;
  if (hangup === 'node' && ending.endReason) record.reason = ending.endReason;
  return record;
}
