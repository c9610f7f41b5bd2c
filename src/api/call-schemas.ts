/** Schemas of the calls the B2BUA holds now (src/b2bua/live-call.ts). */

/** The B2BUA's call ids are UUIDs (crypto.randomUUID). */
export const CALL_ID_PATTERN =
  '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

const liveLegSchema = {
  $id: 'LiveLeg',
  type: 'object',
  properties: {
    side: { type: 'string', enum: ['caller', 'callee'] },
    callId: {
      type: 'string',
      description: "The leg's SIP Call-ID: the caller's own, and the node's new one on the callee's side.",
    },
    state: {
      type: 'string',
      enum: ['initial', 'early', 'accepted', 'confirmed', 'terminated'],
      description: "The leg's INVITE session: early (provisional), accepted (2xx without ACK), confirmed.",
    },
  },
  required: ['side', 'callId', 'state'],
} as const;

export const liveCallSchema = {
  $id: 'LiveCall',
  type: 'object',
  properties: {
    id: { type: 'string', description: "The B2BUA's id of the call; its CDR has the same id." },
    caller: { type: 'string', description: 'The proven subscriber, else the From URI.' },
    callee: { type: 'string', description: 'The Request-URI as routed.' },
    state: {
      type: 'string',
      enum: ['setup', 'ringing', 'answered', 'ending'],
      description: 'ending: BYE or CANCEL sent, the legs not yet gone.',
    },
    setupAt: { type: 'string', format: 'date-time' },
    ringingAt: { type: 'string', format: 'date-time' },
    answerAt: { type: 'string', format: 'date-time' },
    sourceTrunk: { type: 'string', description: 'The trunk the call came in from.' },
    trunk: { type: 'string', description: 'The outbound trunk it goes to.' },
    mediaRelay: {
      type: 'string',
      description: 'The relay anchoring its media (builtin, rtpengine); absent when media passes by.',
    },
    legs: { type: 'array', items: { $ref: 'LiveLeg#' }, minItems: 2, maxItems: 2 },
  },
  required: ['id', 'caller', 'callee', 'state', 'setupAt', 'legs'],
} as const;

export const CALL_SCHEMAS = [liveLegSchema, liveCallSchema] as const;
