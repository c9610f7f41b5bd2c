/** Who ended a call: the caller, the callee, or the node (limits, shutdown, failures of its own). */
export type CdrHangup = 'caller' | 'callee' | 'node';

/** `interrupted`: the node holding the call stopped without ending it (killed, crashed, lost power). */
export const CDR_DISPOSITIONS = [
  'answered',
  'busy',
  'no-answer',
  'cancelled',
  'failed',
  'interrupted',
] as const;
export type CdrDisposition = (typeof CDR_DISPOSITIONS)[number];

/** One call detail record: a B2BUA call from setup to end, whatever its outcome. */
export interface Cdr {
  /** The B2BUA's id of the call. */
  id: string;
  callerCallId: string;
  calleeCallId: string;
  caller: string;
  callee: string;
  /** The trunk the call came in from, and the outbound trunk it went to (last tried). */
  sourceTrunk?: string;
  trunk?: string;
  setupAt: Date;
  ringingAt?: Date;
  answerAt?: Date;
  endAt: Date;
  /** Seconds from setup to end. */
  duration: number;
  /** Whole seconds from answer to end, rounded up (0 when unanswered). */
  billableSeconds: number;
  /** The final SIP status (200 once answered). */
  status: number;
  /** Q.850 cause. */
  cause: number;
  hangup: CdrHangup;
  disposition: CdrDisposition;
  /**
   * Why the node ended the call, as the Reason header (RFC 3326) it sent both legs, e.g.
   * `Q.850;cause=102;text="Media timeout"`; absent when a party hung up.
   */
  reason?: string;
  /** The media relay's statistics, as it reported them. */
  media?: unknown;
  /** The recording made of the call (a subscriber's recording policy), by its id. */
  recordingId?: string;
}

/** Filters of a CDR listing; results are newest first, `limit` at a time. */
export interface CdrFilter {
  /** Setup time at or after / before. */
  from?: Date;
  to?: Date;
  caller?: string;
  callee?: string;
  trunk?: string;
  disposition?: CdrDisposition;
  /** Page size (default 100). */
  limit?: number;
  /** The `next` cursor of the previous page. */
  after?: string;
}

export interface CdrPage {
  cdrs: Cdr[];
  /** Pass as `after` for the next page; absent on the last page. */
  next?: string;
}

/** The filters of an export: a listing's, without paging. */
export type CdrExportFilter = Omit<CdrFilter, 'limit' | 'after'>;

/** Call detail records in the store. */
export interface CdrRepository {
  /**
   * Store one CDR; storing the same id again changes nothing (a retried write is safe), except that
   * a call's real CDR replaces an `interrupted` one written for it while its node was thought dead.
   */
  addCdr(cdr: Cdr): Promise<void>;
  /** Store several CDRs in one transaction (one commit), each as `addCdr` would. */
  addCdrs(cdrs: readonly Cdr[]): Promise<void>;
  getCdr(id: string): Promise<Cdr | undefined>;
  /** A page of CDRs, newest setup first, with a keyset cursor (stable under inserts). */
  listCdrs(filter?: CdrFilter): Promise<CdrPage>;
  /**
   * Every CDR the filter matches, oldest setup first, read `pageSize` rows at a time by keyset
   * (never the whole result in memory): for exports of millions of rows.
   */
  exportCdrs(filter?: CdrExportFilter, pageSize?: number): AsyncIterable<Cdr>;
}
