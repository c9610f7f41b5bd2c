import { CDR_DISPOSITIONS } from '../store/index.js';

/** Schemas of call detail records (src/store/cdr-types.ts). */
export const cdrSchema = {
  $id: 'Cdr',
  type: 'object',
  properties: {
    id: { type: 'string' },
    callerCallId: { type: 'string' },
    calleeCallId: { type: 'string' },
    caller: { type: 'string' },
    callee: { type: 'string' },
    sourceTrunk: { type: 'string', description: 'The trunk the call came in from.' },
    trunk: { type: 'string', description: 'The outbound trunk (the last one tried).' },
    setupAt: { type: 'string', format: 'date-time' },
    ringingAt: { type: 'string', format: 'date-time' },
    answerAt: { type: 'string', format: 'date-time' },
    endAt: { type: 'string', format: 'date-time' },
    duration: { type: 'number', description: 'Seconds from setup to end.' },
    billableSeconds: { type: 'integer', description: 'Whole seconds from answer to end, rounded up.' },
    status: { type: 'integer', description: 'Final SIP status (200 once answered).' },
    cause: { type: 'integer', description: 'Q.850 cause (RFC 3326 Reason, else RFC 3398 mapping).' },
    hangup: { type: 'string', enum: ['caller', 'callee', 'node'] },
    disposition: { type: 'string', enum: CDR_DISPOSITIONS },
    media: { description: "The media relay's statistics of the call." },
    reason: {
      type: 'string',
      description:
        'Why the node ended the call: the RFC 3326 Reason it sent both legs, e.g. Q.850;cause=102;text="Media timeout".',
    },
    recordingId: {
      type: 'string',
      description: 'The recording made of the call by a recording policy (GET /v1/recordings/{id}).',
    },
  },
  required: [
    'id',
    'callerCallId',
    'calleeCallId',
    'caller',
    'callee',
    'setupAt',
    'endAt',
    'duration',
    'billableSeconds',
    'status',
    'cause',
    'hangup',
    'disposition',
  ],
} as const;

export const cdrPageSchema = {
  $id: 'CdrPage',
  type: 'object',
  properties: {
    cdrs: { type: 'array', items: { $ref: 'Cdr#' } },
    next: { type: 'string', description: 'Pass as `after` for the next page; absent on the last.' },
  },
  required: ['cdrs'],
} as const;

export const CDR_SCHEMAS = [cdrSchema, cdrPageSchema] as const;
