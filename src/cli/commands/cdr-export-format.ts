import type { Cdr } from '../../store/index.js';

/** The CSV columns of `cdr export`, in order (the header line names them). */
export const CSV_COLUMNS = [
  'id',
  'setup_at',
  'ringing_at',
  'answer_at',
  'end_at',
  'duration',
  'billable_seconds',
  'caller',
  'callee',
  'source_trunk',
  'trunk',
  'status',
  'cause',
  'hangup',
  'disposition',
  'reason',
  'recording_id',
  'caller_call_id',
  'callee_call_id',
  'media',
] as const;

/** A plain decimal number (a status, a duration, `+4930123`): a spreadsheet reads it as a number. */
const NUMBER = /^[+-]?\d+(\.\d+)?$/;
/** First characters a spreadsheet takes as the start of a formula (OWASP, CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Formula-injection guard (OWASP "CSV Injection"): a field a spreadsheet would evaluate — one
 * starting with `=`, `+`, `-`, `@`, tab or CR, such as a caller's display part or a Reason a
 * peer sent — gets a leading `'`, so it is shown as text. A plain number is left as it is.
 */
export function defuseFormula(value: string): string {
  return FORMULA_START.test(value) && !NUMBER.test(value) ? `'${value}` : value;
}

/**
 * One CSV field: formulas defused first, then RFC 4180 §2: a field holding a comma, a double
 * quote, CR or LF is enclosed in double quotes, and a double quote inside it is doubled (so a
 * defused field keeps its `'` inside the quotes, and a reader gets back `'` + the value).
 */
export function csvField(raw: string): string {
  const value = defuseFormula(raw);
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const iso = (date: Date | undefined) => (date ? date.toISOString() : '');

/** RFC 4180 §2 item 1: records end with CRLF. */
export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

/** One CDR as a CSV record; absent values are empty fields, media its JSON. */
export function csvRecord(cdr: Cdr): string {
  const fields = [
    cdr.id,
    iso(cdr.setupAt),
    iso(cdr.ringingAt),
    iso(cdr.answerAt),
    iso(cdr.endAt),
    String(cdr.duration),
    String(cdr.billableSeconds),
    cdr.caller,
    cdr.callee,
    cdr.sourceTrunk ?? '',
    cdr.trunk ?? '',
    String(cdr.status),
    String(cdr.cause),
    cdr.hangup,
    cdr.disposition,
    cdr.reason ?? '',
    cdr.recordingId ?? '',
    cdr.callerCallId,
    cdr.calleeCallId,
    cdr.media === undefined ? '' : JSON.stringify(cdr.media),
  ];
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** One CDR as a line of NDJSON: the object `cdr list --json` and GET /v1/cdrs give, times in ISO 8601. */
export function ndjsonRecord(cdr: Cdr): string {
  return `${JSON.stringify(cdr)}\n`;
}
