/**
 * JSON schemas of the API: they validate requests (ajv), shape responses (fast-json-stringify) and
 * become the OpenAPI document (@fastify/swagger), so the three can never disagree. Shared object
 * schemas carry an `$id` and appear under `components.schemas`.
 */

import { CALL_POLICY_SCHEMAS } from './call-policy-schemas.js';
import { CALL_ID_PATTERN, CALL_SCHEMAS } from './call-schemas.js';
import { CDR_SCHEMAS } from './cdr-schemas.js';
import { TRUNK_SCHEMAS } from './trunk-schemas.js';

/** ws:// or wss:// and a host: the only consumers the streamer can reach. */
export const WS_URL_PATTERN = '^[wW][sS][sS]?://[^\\s/?#]+([/?#]\\S*)?$';
/** An address-of-record, user@domain, without scheme. */
export const AOR_PATTERN = '^[^@\\s/]+@[^@\\s/]+$';
/** rtpengine's ng address: host:port, host a name, IPv4 or a bracketed IPv6 address. */
export const HOST_PORT_PATTERN = '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$';
/** Recording ids are opaque to the API but kept to URL-safe characters. */
export const ID_PATTERN = '^[A-Za-z0-9._~:-]+$';

/** A domain name, as the store accepts it (RFC 1123 labels). */
export const DOMAIN_PATTERN =
  '^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$';
/** A barring pattern: literal digits, + and letters, ? for any one character, a trailing * for any rest. */
export const NUMBER_PATTERN_PATTERN = '^[+0-9A-Za-z._?-]{0,31}\\*?$';

/** Words for a failed pattern, so the client reads what was expected rather than a regex. */
export const PATTERN_WORDS = new Map<string, string>([
  [WS_URL_PATTERN, 'must be a ws:// or wss:// URL'],
  [AOR_PATTERN, 'must be an address-of-record, user@domain'],
  [HOST_PORT_PATTERN, 'must be host:port'],
  [ID_PATTERN, 'must contain only letters, digits and . _ ~ : -'],
  [DOMAIN_PATTERN, 'must be a domain name such as example.com'],
  [CALL_ID_PATTERN, 'must be a call id (a UUID, as GET /v1/calls lists them)'],
  [
    NUMBER_PATTERN_PATTERN,
    'must be a number pattern: digits, +, letters, ? for any one character, a trailing * for any rest',
  ],
]);

const RECORDING_STATUSES = ['active', 'paused', 'stopped', 'failed'];

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  description: 'Every error response has this shape.',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: {
          type: 'string',
          description: 'invalid, unauthorized, not-found, conflict, media-server, unavailable, internal, …',
        },
        message: { type: 'string' },
        field: { type: 'string', description: 'The path of the offending value, when one is to blame.' },
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

const payloadFormatSchema = {
  $id: 'PayloadFormat',
  type: 'object',
  properties: {
    encoding: { type: 'string', description: 'As in SDP, upper-cased: PCMU, PCMA, G722, OPUS, …' },
    clockRate: { type: 'integer' },
    channels: { type: 'integer' },
  },
  required: ['encoding', 'clockRate', 'channels'],
} as const;

const recordingLegSchema = {
  $id: 'RecordingLeg',
  type: 'object',
  properties: {
    index: { type: 'integer', description: 'Leg 0 is the left channel of the mixed file, leg 1 the right.' },
    label: { type: 'string' },
    participant: {
      type: 'object',
      properties: { aor: { type: 'string' }, name: { type: 'string' } },
    },
    payloadTypes: {
      type: 'object',
      description: 'RTP payload type number → format.',
      additionalProperties: { $ref: 'PayloadFormat#' },
    },
  },
  required: ['index', 'label', 'payloadTypes'],
} as const;

export const recordingSummarySchema = {
  $id: 'RecordingSummary',
  type: 'object',
  properties: {
    id: { type: 'string' },
    callId: { type: 'string' },
    source: { type: 'string', enum: ['media-server', 'siprec'] },
    status: { type: 'string', enum: RECORDING_STATUSES },
    startedAt: { type: 'string', description: 'ISO 8601.' },
    stoppedAt: { type: 'string', description: 'ISO 8601.' },
    failure: { type: 'string', description: 'Why a failed recording failed.' },
    legs: { type: 'array', items: { $ref: 'RecordingLeg#' } },
    stored: { type: 'boolean', description: 'Local files are kept.' },
    streamUrl: { type: 'string' },
  },
  required: ['id', 'callId', 'source', 'status', 'startedAt', 'legs', 'stored'],
} as const;

export const startRecordingRequestSchema = {
  $id: 'StartRecordingRequest',
  type: 'object',
  additionalProperties: false,
  properties: {
    callId: { type: 'string', minLength: 1, maxLength: 256, description: 'The SIP Call-ID of the call.' },
    mediaServer: {
      type: 'string',
      pattern: HOST_PORT_PATTERN,
      maxLength: 260,
      description: 'ng address of the rtpengine carrying the call; the configured one when absent.',
    },
    fromTags: {
      type: 'array',
      minItems: 1,
      maxItems: 16,
      uniqueItems: true,
      items: { type: 'string', minLength: 1, maxLength: 256 },
      description: 'Record only these legs (From tags); every leg when absent.',
    },
    store: { type: 'boolean', default: true, description: 'Keep local files.' },
    streamUrl: {
      type: 'string',
      pattern: WS_URL_PATTERN,
      maxLength: 2048,
      description: 'Also (or, with store false, only) stream the packets to this consumer.',
    },
  },
  required: ['callId'],
} as const;

export const recordingPolicySchema = {
  $id: 'RecordingPolicy',
  type: 'object',
  properties: {
    subscriber: { type: 'string', description: 'user@domain' },
    store: { type: 'boolean' },
    streamUrl: { type: 'string' },
    createdAt: { type: 'string', description: 'ISO 8601.' },
  },
  required: ['subscriber', 'store', 'createdAt'],
} as const;

export const putPolicyBodySchema = {
  $id: 'RecordingPolicyRequest',
  type: 'object',
  additionalProperties: false,
  properties: {
    store: { type: 'boolean', description: 'Keep local files of the recorded calls.' },
    streamUrl: {
      type: 'string',
      pattern: WS_URL_PATTERN,
      maxLength: 2048,
      description: 'Stream the recorded calls to this consumer.',
    },
  },
  required: ['store'],
} as const;

const forwardTarget = (what: string) => ({
  type: 'string',
  minLength: 1,
  maxLength: 256,
  description: `${what}: a sip:, sips: or tel: URI, or a number or user of the same domain.`,
});
const patterns = (what: string) => ({
  type: 'array',
  maxItems: 100,
  items: { type: 'string', minLength: 1, maxLength: 32, pattern: NUMBER_PATTERN_PATTERN },
  description: `${what}, matched against the number as dialled and in E.164 (+1900*, 00*, +4930123456?).`,
});
const callFeatureProperties = {
  forwardAlways: forwardTarget('Call forwarding unconditional (CFU)'),
  forwardBusy: forwardTarget('Forwarding on busy, 486 (CFB)'),
  forwardNoAnswer: forwardTarget('Forwarding when not answered within ringTimeout (CFNA)'),
  ringTimeout: {
    type: 'integer',
    minimum: 1,
    maximum: 600,
    description: 'Seconds before no answer; 20 when unset.',
  },
  forwardUnreachable: forwardTarget('Forwarding when not registered, or 408/480/503 (CFNR)'),
  barIncoming: patterns('Refuse calls (403) from callers matching'),
  barOutgoing: patterns('Refuse calls (403) to numbers matching'),
  rejectAnonymous: {
    type: 'boolean',
    description: 'Refuse callers who withhold their identity (433, RFC 5079).',
  },
  clir: {
    type: 'boolean',
    description: 'Withhold the caller identity on every call (Privacy: id, RFC 3323).',
  },
  maxDiversions: {
    type: 'integer',
    minimum: 1,
    maximum: 20,
    description: 'Forwards a call may take before it is refused with 483; 5 when unset.',
  },
} as const;

export const callFeaturesSchema = {
  $id: 'CallFeatures',
  type: 'object',
  additionalProperties: false,
  description: "A subscriber's call features; a setting left out follows the domain default.",
  properties: callFeatureProperties,
} as const;

export const numberingPlanSchema = {
  $id: 'NumberingPlan',
  type: 'object',
  additionalProperties: false,
  description: 'How the domain dials: national and local numbers become E.164, and back for display.',
  properties: {
    countryCode: { type: 'string', pattern: '^[1-9][0-9]{0,2}$', description: 'Without +, e.g. 49.' },
    nationalPrefix: { type: 'string', pattern: '^[0-9]{1,4}$', description: 'e.g. 0' },
    internationalPrefix: { type: 'string', pattern: '^[0-9]{1,4}$', description: 'e.g. 00' },
    areaCode: { type: 'string', pattern: '^[1-9][0-9]{0,5}$', description: 'Of local numbers, e.g. 30.' },
  },
  required: ['countryCode'],
} as const;

export const domainFeaturesSchema = {
  $id: 'DomainFeatures',
  type: 'object',
  additionalProperties: false,
  description: "Defaults for the domain's subscribers, and its numbering plan.",
  properties: { ...callFeatureProperties, numbering: { $ref: 'NumberingPlan#' } },
} as const;

export const subscriberFeaturesViewSchema = {
  $id: 'SubscriberFeaturesView',
  type: 'object',
  properties: {
    subscriber: { type: 'string', description: 'user@domain' },
    features: { $ref: 'CallFeatures#' },
    effective: { $ref: 'DomainFeatures#' },
  },
  required: ['subscriber', 'features', 'effective'],
} as const;

export const domainFeaturesViewSchema = {
  $id: 'DomainFeaturesView',
  type: 'object',
  properties: { domain: { type: 'string' }, features: { $ref: 'DomainFeatures#' } },
  required: ['domain', 'features'],
} as const;

export const healthSchema = {
  $id: 'Health',
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok'] },
    uptimeSeconds: { type: 'number' },
  },
  required: ['status', 'uptimeSeconds'],
} as const;

export const gatewayHealthSchema = {
  $id: 'GatewayHealth',
  type: 'object',
  description:
    'OPTIONS probing of one gateway. `down` takes it out of the routing of new calls; `unknown` (not answered yet) counts as up.',
  properties: {
    id: { type: 'string', description: "The gateway's id." },
    trunk: { type: 'string' },
    uri: { type: 'string', description: 'Where the probes go.' },
    state: { type: 'string', enum: ['unknown', 'up', 'down'] },
    since: { type: 'string', description: 'ISO 8601: when the state last changed.' },
    consecutiveFailures: { type: 'integer' },
    lastProbeAt: { type: 'string', description: 'ISO 8601: when the last probe finished.' },
    lastStatus: { type: 'integer', description: "The last probe's final status." },
    lastError: {
      type: 'string',
      description: 'Why the last failed probe failed (`timeout`, or the status line).',
    },
    probes: { type: 'integer', description: 'Probes finished since the gateway was first probed.' },
    failures: { type: 'integer', description: 'Of those, the failed ones.' },
  },
  required: ['id', 'uri', 'state', 'since', 'consecutiveFailures', 'probes', 'failures'],
} as const;

export const trunkRegistrationSchema = {
  $id: 'TrunkRegistration',
  type: 'object',
  description: "The node's registration at a carrier (RFC 3261 §10.2) for one trunk.",
  properties: {
    trunk: { type: 'string' },
    registrar: { type: 'string', description: 'The Request-URI of the REGISTERs.' },
    aor: { type: 'string', description: 'The address-of-record registered.' },
    contact: {
      type: 'string',
      description: "The Contact registered: where the carrier sends the trunk's calls.",
    },
    state: { type: 'string', enum: ['unregistered', 'registering', 'registered', 'failed'] },
    expires: { type: 'integer', description: 'Seconds the registrar granted.' },
    expiresAt: { type: 'string', description: 'ISO 8601: when the granted binding runs out.' },
    registeredAt: { type: 'string', description: 'ISO 8601: the last successful REGISTER.' },
    lastStatus: { type: 'integer', description: 'The last final status (408 for no answer).' },
    lastError: { type: 'string' },
    nextAttemptAt: { type: 'string', description: 'ISO 8601: the next refresh, or retry after a failure.' },
    failures: { type: 'integer', description: 'Failed attempts since the last success.' },
  },
  required: ['trunk', 'registrar', 'aor', 'contact', 'state', 'failures'],
} as const;

/** Every schema routes refer to by `$ref: '<$id>#'`, registered once on the server. */
export const banSchema = {
  $id: 'Ban',
  type: 'object',
  description:
    "A source address the node's edge drops unanswered: for a request flood, a scanner User-Agent, failed authentications, or by an operator.",
  properties: {
    address: { type: 'string', description: 'The banned IPv4 or IPv6 address.' },
    reason: { type: 'string', enum: ['flood', 'scanner', 'auth', 'manual'] },
    since: { type: 'string', description: 'ISO 8601: when the ban started.' },
    until: {
      type: ['string', 'null'],
      description:
        'ISO 8601: when the ban ends; null: until lifted (bans live in memory, a restart lifts them).',
    },
    dropped: { type: 'integer', description: 'Packets dropped from the address since the ban started.' },
  },
  required: ['address', 'reason', 'since', 'until', 'dropped'],
} as const;

export const addBanBodySchema = {
  $id: 'AddBan',
  type: 'object',
  additionalProperties: false,
  properties: {
    address: { type: 'string', minLength: 2, maxLength: 45, description: 'An IPv4 or IPv6 address.' },
    duration: {
      type: 'integer',
      minimum: 0,
      maximum: 31_536_000,
      description: 'Seconds the ban lasts; 0 or absent: until lifted.',
    },
  },
  required: ['address'],
} as const;

export const SHARED_SCHEMAS = [
  errorSchema,
  payloadFormatSchema,
  recordingLegSchema,
  recordingSummarySchema,
  startRecordingRequestSchema,
  recordingPolicySchema,
  putPolicyBodySchema,
  callFeaturesSchema,
  numberingPlanSchema,
  domainFeaturesSchema,
  subscriberFeaturesViewSchema,
  domainFeaturesViewSchema,
  healthSchema,
  gatewayHealthSchema,
  trunkRegistrationSchema,
  banSchema,
  addBanBodySchema,
  ...TRUNK_SCHEMAS,
  ...CDR_SCHEMAS,
  ...CALL_SCHEMAS,
  ...CALL_POLICY_SCHEMAS,
] as const;

export const domainParamsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { name: { type: 'string', maxLength: 253, pattern: DOMAIN_PATTERN } },
  required: ['name'],
} as const;

export const idParamsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { id: { type: 'string', minLength: 1, maxLength: 128, pattern: ID_PATTERN } },
  required: ['id'],
} as const;

export const subscriberParamsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { subscriber: { type: 'string', maxLength: 512, pattern: AOR_PATTERN } },
  required: ['subscriber'],
} as const;

export const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: RECORDING_STATUSES },
    callId: { type: 'string', minLength: 1, maxLength: 256 },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    offset: { type: 'integer', minimum: 0, maximum: 1_000_000_000, default: 0 },
  },
} as const;

export const audioQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    leg: {
      type: 'integer',
      minimum: 0,
      maximum: 63,
      description: 'One leg; the two-channel mix when absent.',
    },
    format: {
      type: 'string',
      enum: ['wav', 'pcap'],
      default: 'wav',
      description: 'pcap (the packets as received) needs a leg.',
    },
  },
} as const;

const ref = (id: string) => ({ $ref: `${id}#` });

/** The error responses a route can give, for the document. */
export function errorResponses(...statuses: number[]): Record<number, object> {
  const out: Record<number, object> = {};
  for (const status of statuses) out[status] = { ...ref('Error'), description: ERROR_DESCRIPTIONS[status] };
  return out;
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid; `field` names the offending value.',
  401: 'No API key, or an unknown one.',
  404: 'No such recording, policy, subscriber, domain, trunk, gateway, route, ban, CDR or call in progress.',
  409: 'The recording is not in a state that allows this; or the trunk, gateway or route exists already or is in use; or the address to ban is allowed (edge.allow, a trunk).',
  416: 'The requested range lies outside the file.',
  502: 'The media server refused or did not answer.',
  503: 'The recorder is unavailable.',
};

export { ref };
