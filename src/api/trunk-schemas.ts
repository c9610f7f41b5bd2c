/**
 * Schemas of the trunk, gateway and route resources. The shapes follow the store's types
 * (src/store/trunk-types.ts); the store checks what a schema cannot (CIDRs, URIs, time bands)
 * and its refusals name the field too.
 */

const NAME = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
const nullable = (schema: Record<string, unknown>) => ({
  ...schema,
  type: [schema['type'] as string, 'null'],
});

const text = (description: string, maxLength = 256) => ({ type: 'string', maxLength, description }) as const;
const integer = (minimum: number, maximum: number, description: string) =>
  ({ type: 'integer', minimum, maximum, description }) as const;
const list = (description: string, maxItems = 100) =>
  ({
    type: 'array',
    maxItems,
    items: { type: 'string', minLength: 1, maxLength: 128 },
    description,
  }) as const;

export const registrationSettingsSchema = {
  $id: 'RegistrationSettings',
  type: 'object',
  additionalProperties: false,
  description: 'Registration of the node to the carrier (RFC 3261 §10); the password is never shown (***).',
  properties: {
    registrar: text('The carrier registrar, sip:sip.carrier.example.'),
    username: text('Username of the registration.', 64),
    password: text('Password of the registration.'),
    realm: text('Realm to answer; absent: any the registrar challenges with.', 128),
    expires: integer(60, 86_400, 'Registration interval asked for, in seconds; 3600 when absent.'),
  },
  required: ['registrar', 'username', 'password'],
} as const;

const trunkSettings = {
  description: text('Free text for operators.'),
  enabled: { type: 'boolean', description: 'A disabled trunk neither takes inbound calls nor is routed to.' },
  inboundCidrs: list('Source networks of its calls to us: 203.0.113.0/24, 2001:db8::/32, 198.51.100.7.'),
  inboundUsername: text('Digest username its calls to us answer our 407 with.', 64),
  inboundPassword: text('Digest password of inboundUsername (never shown: ***).'),
  inboundStrip: integer(0, 20, 'Digits stripped from the called number of its calls.'),
  inboundPrefix: text("Put in front of the called number of its calls, e.g. '+1'.", 17),
  dispatch: {
    type: 'string',
    enum: ['priority', 'round-robin', 'weighted', 'hash-call-id', 'fewest-calls'],
    description: "Order of the trunk's gateways for a call (Kamailio dispatcher's algorithms).",
  },
  stripDigits: integer(0, 20, 'Digits stripped from numbers sent to it.'),
  prefix: text("Put in front of numbers sent to it, e.g. '00' or a tech prefix.", 17),
  callerId: text("From user sent to it (and P-Asserted-Identity); absent: the caller's own.", 65),
  noReplyTimeout: integer(100, 120_000, 'ms a gateway may send nothing before the next is tried (fr_timer).'),
  noAnswerTimeout: integer(1000, 600_000, 'ms a gateway may ring before it is given up (fr_inv_timer).'),
  failoverCodes: list('Final responses that fail over: 408, 5xx or 500-599 (never 486, 603, other 4xx).', 20),
  codecs: list('Codec preference for the B2BUA, most preferred first: PCMU, PCMA, G722, opus.', 20),
  registration: { $ref: 'RegistrationSettings#' },
  tlsCertificate: text(
    "Client certificate presented to its TLS gateways: PEM text or an absolute path on the node; absent: the node's own.",
    16_384,
  ),
  tlsKey: text('Private key of tlsCertificate: PEM text (never shown: ***) or an absolute path.', 16_384),
  tlsCa: text(
    'CA certificates its TLS gateways are verified with: PEM text or an absolute path; absent: tls.ca.',
    16_384,
  ),
  inboundTlsName: text(
    'Its calls to us come on TLS connections whose verified client certificate names this host (subjectAltName DNS/URI, else CN).',
    253,
  ),
} as const;

export const newTrunkSchema = {
  $id: 'NewTrunk',
  type: 'object',
  additionalProperties: false,
  description: 'A trunk to add: a carrier or peer.',
  properties: {
    name: { type: 'string', pattern: NAME, description: 'Its name, e.g. carrier-a.' },
    ...trunkSettings,
  },
  required: ['name'],
} as const;

const clearable = [
  'description',
  'inboundUsername',
  'inboundPassword',
  'callerId',
  'noReplyTimeout',
  'noAnswerTimeout',
  'failoverCodes',
  'tlsCertificate',
  'tlsKey',
  'tlsCa',
  'inboundTlsName',
] as const;

export const trunkChangesSchema = {
  $id: 'TrunkChanges',
  type: 'object',
  additionalProperties: false,
  description: 'Changes to a trunk: a field left out stays; null clears an optional one.',
  properties: {
    ...trunkSettings,
    ...Object.fromEntries(clearable.map((k) => [k, nullable(trunkSettings[k])])),
    registration: { oneOf: [{ $ref: 'RegistrationSettings#' }, { type: 'null' }] },
  },
} as const;

export const trunkSchema = {
  $id: 'Trunk',
  type: 'object',
  description: 'A trunk as stored; passwords show as ***.',
  properties: {
    name: { type: 'string' },
    ...trunkSettings,
    createdAt: { type: 'string', description: 'ISO 8601.' },
  },
  required: ['name', 'enabled', 'inboundCidrs', 'dispatch', 'stripDigits', 'prefix', 'codecs', 'createdAt'],
} as const;

const gatewaySettings = {
  uri: text('SIP URI without user part: sip:203.0.113.5:5060, sips:gw.example, sip:gw;transport=tcp.'),
  transport: { type: 'string', enum: ['udp', 'tcp', 'tls'], description: "Default: the URI's, else udp." },
  priority: integer(0, 65_535, 'Lower first, for the priority algorithm.'),
  weight: integer(0, 10_000, 'Share of calls for the weighted algorithm; 0 only as a reserve.'),
  probe: { type: 'boolean', description: 'Probe it with OPTIONS and skip it while it does not answer.' },
  enabled: { type: 'boolean' },
} as const;

export const newGatewaySchema = {
  $id: 'NewGateway',
  type: 'object',
  additionalProperties: false,
  description: 'A gateway to add to the trunk of the path.',
  properties: {
    id: { type: 'string', pattern: NAME, description: 'Default: made (gw-3f9a1c20).' },
    ...gatewaySettings,
  },
  required: ['uri'],
} as const;

export const gatewayChangesSchema = {
  $id: 'GatewayChanges',
  type: 'object',
  additionalProperties: false,
  properties: gatewaySettings,
} as const;

export const gatewaySchema = {
  $id: 'Gateway',
  type: 'object',
  properties: {
    id: { type: 'string' },
    trunk: { type: 'string' },
    ...gatewaySettings,
    createdAt: { type: 'string' },
  },
  required: ['id', 'trunk', 'uri', 'transport', 'priority', 'weight', 'probe', 'enabled', 'createdAt'],
} as const;

const routeSettings = {
  priority: integer(0, 65_535, 'Lower first among the routes of the same prefix.'),
  price: {
    type: 'number',
    minimum: 0,
    description: 'Price per minute; cheaper first among equal priorities.',
  },
  timeBands: list("When it applies, in trunks.timeZone: 'mon-fri 08:00-18:00'; empty: always.", 50),
  enabled: { type: 'boolean' },
  description: text('Free text for operators.'),
} as const;

export const newRouteSchema = {
  $id: 'NewRoute',
  type: 'object',
  additionalProperties: false,
  description: 'Numbers starting with prefix may go to trunk.',
  properties: {
    id: { type: 'string', pattern: NAME, description: 'Default: made (rt-8c1d02e4a7b95f31).' },
    prefix: text("Digits (a leading '+' is dropped); '' matches every number.", 24),
    trunk: { type: 'string', pattern: NAME },
    ...routeSettings,
  },
  required: ['prefix', 'trunk'],
} as const;

export const routeChangesSchema = {
  $id: 'RouteChanges',
  type: 'object',
  additionalProperties: false,
  properties: {
    ...routeSettings,
    price: nullable(routeSettings.price),
    description: nullable(routeSettings.description),
  },
} as const;

export const routeSchema = {
  $id: 'Route',
  type: 'object',
  properties: {
    id: { type: 'string' },
    prefix: { type: 'string' },
    trunk: { type: 'string' },
    ...routeSettings,
    createdAt: { type: 'string' },
  },
  required: ['id', 'prefix', 'trunk', 'priority', 'timeBands', 'enabled', 'createdAt'],
} as const;

export const TRUNK_SCHEMAS = [
  registrationSettingsSchema,
  newTrunkSchema,
  trunkChangesSchema,
  trunkSchema,
  newGatewaySchema,
  gatewayChangesSchema,
  gatewaySchema,
  newRouteSchema,
  routeChangesSchema,
  routeSchema,
] as const;
