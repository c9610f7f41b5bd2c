import { B2BUA_CHOICES, CALL_POLICY_SCOPES, SRTP_CHOICES } from '../store/index.js';

const encodings = (description: string) =>
  ({
    type: 'array',
    items: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._+-]{0,31}$' },
    maxItems: 32,
    description,
  }) as const;

/** Schemas of call policies (src/store/call-policy-types.ts, docs/b2bua-policy.md). */
export const callPolicySchema = {
  $id: 'CallPolicy',
  type: 'object',
  additionalProperties: false,
  description:
    'What the B2BUA does with the calls of a subscriber, domain or trunk; a setting left out inherits (docs/b2bua-policy.md).',
  properties: {
    b2bua: {
      type: 'string',
      enum: [...B2BUA_CHOICES, 'inherit'],
      description:
        'always: the B2BUA takes the calls; never: they stay proxied; nat: taken when the phone is behind NAT; inherit (or absent): the next level decides.',
    },
    maxCalls: {
      type: 'integer',
      minimum: 0,
      maximum: 1_000_000,
      description:
        "Calls in progress at once (403 past it); 0: no limit; absent: the node's b2bua.maxCallsPer*.",
    },
    maxCallRate: {
      type: 'integer',
      minimum: 0,
      maximum: 1_000_000,
      description:
        'New calls per second (503 with Retry-After past it); 0: no limit; absent: b2bua.maxCallRate.',
    },
    codecs: {
      type: 'object',
      additionalProperties: false,
      description:
        'Codec filtering and ordering of the SDP this side receives; telephone-event is always kept.',
      properties: {
        allow: encodings('Only these encodings (PCMU, PCMA, G722, opus ...).'),
        strip: encodings('Remove these encodings.'),
        order: encodings('These first, in this order; the rest keep theirs.'),
        ptime: {
          type: 'integer',
          minimum: 10,
          maximum: 200,
          description: 'Preferred packetisation time (ms).',
        },
      },
    },
    srtp: {
      type: 'string',
      enum: [...SRTP_CHOICES, 'inherit'],
      description:
        'The media offered when called: sdes, RTP/SAVP with the relay’s own a=crypto (RFC 4568); off, plain RTP/AVP (a caller’s SRTP ends at the relay); inherit (or absent): the next level, in the end off.',
    },
  },
} as const;

export const storedCallPolicySchema = {
  $id: 'StoredCallPolicy',
  type: 'object',
  properties: {
    scope: { type: 'string', enum: CALL_POLICY_SCOPES },
    name: { type: 'string', description: 'user@domain, a domain, or a trunk name.' },
    policy: { $ref: 'CallPolicy#' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
  required: ['scope', 'name', 'policy', 'updatedAt'],
} as const;

export const CALL_POLICY_SCHEMAS = [callPolicySchema, storedCallPolicySchema] as const;
