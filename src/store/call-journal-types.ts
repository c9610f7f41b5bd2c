import type { Cdr } from './cdr-types.js';

/** The open record of a call in progress (src/b2bua/call-journal.ts writes it). */
export interface OpenCall {
  id: string;
  callerCallId: string;
  calleeCallId: string;
  caller: string;
  callee: string;
  sourceTrunk?: string;
  trunk?: string;
  setupAt: Date;
  ringingAt?: Date;
  answerAt?: Date;
}

/** One change to the journal, as the B2BUA's calls make them (applied in batches). */
export type JournalWrite =
  | { kind: 'open'; call: OpenCall; at: Date }
  | { kind: 'update'; call: OpenCall; at: Date }
  | { kind: 'close'; id: string };

/** Which node run holds a call: `node` names the node, `run` is new at each start. */
export interface JournalOwner {
  node: string;
  run: string;
}

/** What to close as interrupted at recovery (either or both). */
export interface RecoverySelection {
  /** The records of this node's other runs (it restarted: they are dead). */
  restartOf?: JournalOwner;
  /** The records of any node not seen since this time (a node that never came back). */
  staleBefore?: Date;
}

/**
 * The journal of calls in progress: a record per call from setup until its CDR is written, so that
 * a node killed mid-call still leaves a CDR of each call it held (issue 9 item 6).
 */
export interface CallJournalRepository {
  /** The call was set up (`seen_at` = now); a repeated open changes nothing. */
  openCall(owner: JournalOwner, call: OpenCall, at: Date): Promise<void>;
  /** The call rang or was answered (its times, its outbound trunk as it stands). */
  updateCall(call: OpenCall, at: Date): Promise<void>;
  /** The call's CDR is written: its record goes. */
  closeCall(id: string): Promise<void>;
  /** Several writes in one transaction, in order (a group commit: one commit for many calls). */
  write(owner: JournalOwner, writes: readonly JournalWrite[]): Promise<void>;
  /** Every record of this node run was seen now; returns how many. */
  heartbeat(owner: JournalOwner, at: Date): Promise<number>;
  /**
   * In one transaction: each record `selection` picks becomes an `interrupted` CDR ending at its last `seen_at`, and is
   * deleted. Returns the CDRs written (a call that has a CDR already keeps it).
   */
  recoverCalls(selection: RecoverySelection): Promise<Cdr[]>;
  /** The open records, oldest first (tests, diagnostics). */
  openCalls(): Promise<Array<OpenCall & JournalOwner & { seenAt: Date }>>;
}
