import { randomBytes } from 'node:crypto';
import type { Insertable } from 'kysely';
import { InvalidInputError } from './errors.js';
import type { SqlFlavor } from './flavor.js';
import type { LcrRoutesTable, TrunkGatewaysTable, TrunksTable } from './schema.js';
import { checkTimeBands } from './time-band.js';
import type { Gateway, LcrRoute, NewGateway, NewRoute, NewTrunk, Trunk } from './trunk-types.js';
import { checkUser } from './validate.js';
import {
  checkCallerId,
  checkCidrs,
  checkCodecs,
  checkDescription,
  checkDispatch,
  checkFailoverCodes,
  checkGatewayUri,
  checkInteger,
  checkName,
  checkNumberPrefix,
  checkPrefix,
  checkPrice,
  checkRegistrarUri,
  checkSecret,
  checkTransport,
} from './validate-trunk.js';
import { checkCertificate, checkKeyMatches, checkPrivateKey, checkTlsName } from './validate-trunk-tls.js';

/** Checked input turned into rows: every field is validated here, before any write. */

type TrunkColumns = Omit<Insertable<TrunksTable>, 'created_at'>;

/** The columns of a trunk; refuses the first bad field with a message naming it. */
export function trunkColumns(input: NewTrunk, flavor: SqlFlavor): TrunkColumns {
  const username = input.inboundUsername;
  const password = input.inboundPassword;
  if ((username === undefined) !== (password === undefined)) {
    throw new InvalidInputError(
      'invalid inbound credentials: give both the inbound username and password, or neither',
      undefined,
      username === undefined ? 'inboundUsername' : 'inboundPassword',
    );
  }
  const registration = input.registration;
  if (registration) {
    for (const key of ['registrar', 'username', 'password'] as const) {
      if (typeof registration[key] !== 'string') {
        throw new InvalidInputError(
          `invalid registration: the ${key} is missing (a registration needs registrar, username and password)`,
          undefined,
          `registration.${key}`,
        );
      }
    }
  }
  if ((input.tlsCertificate === undefined) !== (input.tlsKey === undefined)) {
    throw new InvalidInputError(
      'invalid TLS client certificate: give both the TLS certificate and its key, or neither',
      undefined,
      input.tlsCertificate === undefined ? 'tlsCertificate' : 'tlsKey',
    );
  }
  const optional = <T, R>(value: T | undefined, check: (v: T) => R): R | null =>
    value === undefined ? null : check(value);
  const tlsCertificate = at('tlsCertificate', () =>
    optional(input.tlsCertificate, (v) => checkCertificate(v, 'TLS certificate')),
  );
  const tlsKey = at('tlsKey', () => optional(input.tlsKey, (v) => checkPrivateKey(v, 'TLS key')));
  if (tlsCertificate !== null && tlsKey !== null) at('tlsKey', () => checkKeyMatches(tlsCertificate, tlsKey));
  return {
    name: at('name', () => checkName(input.name, 'trunk name')),
    description: at('description', () => optional(input.description, checkDescription) ?? null),
    enabled: flavor.flag(input.enabled ?? true),
    inbound_cidrs: at('inboundCidrs', () => checkCidrs(input.inboundCidrs ?? []).join(',')),
    inbound_username: at('inboundUsername', () =>
      optional(username, (u) => checkUser(u, 'inbound username')),
    ),
    inbound_password: at('inboundPassword', () =>
      optional(password, (p) => checkSecret(p, 'inbound password')),
    ),
    inbound_strip: at('inboundStrip', () => checkInteger(input.inboundStrip ?? 0, 'inbound strip', 0, 20)),
    inbound_prefix: at('inboundPrefix', () => checkNumberPrefix(input.inboundPrefix ?? '', 'inbound prefix')),
    dispatch: at('dispatch', () => checkDispatch(input.dispatch ?? 'priority')),
    strip_digits: at('stripDigits', () => checkInteger(input.stripDigits ?? 0, 'strip digits', 0, 20)),
    prefix: at('prefix', () => checkNumberPrefix(input.prefix ?? '', 'prefix')),
    caller_id: at('callerId', () => optional(input.callerId, checkCallerId)),
    no_reply_timeout: at('noReplyTimeout', () =>
      optional(input.noReplyTimeout, (ms) => checkInteger(ms, 'no-reply timeout (ms)', 100, 120_000)),
    ),
    no_answer_timeout: at('noAnswerTimeout', () =>
      optional(input.noAnswerTimeout, (ms) => checkInteger(ms, 'no-answer timeout (ms)', 1000, 600_000)),
    ),
    failover_codes: at('failoverCodes', () =>
      optional(input.failoverCodes, (codes) => checkFailoverCodes(codes).join(',')),
    ),
    codecs: at('codecs', () => checkCodecs(input.codecs ?? []).join(',')),
    register_uri: at('registration.registrar', () => optional(registration?.registrar, checkRegistrarUri)),
    register_username: at('registration.username', () =>
      optional(registration?.username, (u) => checkUser(u, 'registration username')),
    ),
    register_password: at('registration.password', () =>
      optional(registration?.password, (p) => checkSecret(p, 'registration password')),
    ),
    register_realm: at('registration.realm', () =>
      registration?.realm === undefined || registration.realm.trim() === ''
        ? null
        : checkSecret(registration.realm.trim(), 'registration realm'),
    ),
    register_expires: at('registration.expires', () =>
      registration
        ? checkInteger(registration.expires ?? 3600, 'registration expires (s)', 60, 86_400)
        : null,
    ),
    tls_certificate: tlsCertificate,
    tls_key: tlsKey,
    tls_ca: at('tlsCa', () => optional(input.tlsCa, (v) => checkCertificate(v, 'TLS CA'))),
    inbound_tls_name: at('inboundTlsName', () => optional(input.inboundTlsName, checkTlsName)),
  };
}

/** Runs a field's check; its refusal names the field (API name) it was about. */
function at<T>(field: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof InvalidInputError && e.field === undefined)
      throw new InvalidInputError(e.message, undefined, field);
    throw e;
  }
}

/** A stored trunk as the input that would make it (so a change can be applied and re-checked). */
export function asNewTrunk(trunk: Trunk): NewTrunk {
  const { createdAt: _createdAt, ...rest } = trunk;
  return rest;
}

export function gatewayRow(input: NewGateway, flavor: SqlFlavor): Insertable<TrunkGatewaysTable> {
  const { uri, transport: implied } = at('uri', () => checkGatewayUri(input.uri));
  const given = input.transport;
  const transport = given === undefined ? (implied ?? 'udp') : at('transport', () => checkTransport(given));
  if (implied !== undefined && implied !== transport) {
    throw new InvalidInputError(
      `invalid transport ${JSON.stringify(input.transport)}: the gateway URI ${uri} says ${implied}`,
      undefined,
      'transport',
    );
  }
  return {
    id: input.id === undefined ? madeId('gw') : at('id', () => checkName(input.id!, 'gateway id')),
    trunk: at('trunk', () => checkName(input.trunk, 'trunk name')),
    uri,
    transport,
    priority: at('priority', () => checkInteger(input.priority ?? 0, 'priority', 0, 65_535)),
    weight: at('weight', () => checkInteger(input.weight ?? 1, 'weight', 0, 10_000)),
    probe: flavor.flag(input.probe ?? true),
    enabled: flavor.flag(input.enabled ?? true),
    created_at: flavor.time(new Date()),
  };
}

export function asNewGateway(gateway: Gateway): NewGateway {
  const { createdAt: _createdAt, ...rest } = gateway;
  return rest;
}

export function routeRow(input: NewRoute, flavor: SqlFlavor, now: Date): Insertable<LcrRoutesTable> {
  return {
    id: input.id === undefined ? madeId('rt') : at('id', () => checkName(input.id!, 'route id')),
    prefix: at('prefix', () => checkPrefix(input.prefix)),
    trunk: at('trunk', () => checkName(input.trunk, 'trunk name')),
    priority: at('priority', () => checkInteger(input.priority ?? 0, 'priority', 0, 65_535)),
    price: at('price', () => (input.price === undefined ? null : checkPrice(input.price))),
    time_bands: at('timeBands', () => checkTimeBands(input.timeBands ?? []).join(';')),
    enabled: flavor.flag(input.enabled ?? true),
    description: at('description', () =>
      input.description === undefined ? null : (checkDescription(input.description) ?? null),
    ),
    created_at: flavor.time(now),
  };
}

export function asNewRoute(route: LcrRoute): NewRoute {
  const { createdAt: _createdAt, ...rest } = route;
  return rest;
}

/**
 * An id for a gateway or route the operator did not name: `gw-3f9a1c20`, `rt-8c1d02e4a7b95f31`.
 * Routes come by the hundred thousand (rate decks): 64 random bits keep collisions out of reach.
 */
function madeId(kind: 'gw' | 'rt'): string {
  return `${kind}-${randomBytes(kind === 'rt' ? 8 : 4).toString('hex')}`;
}
