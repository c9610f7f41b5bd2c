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

/** Checked input turned into rows: every field is validated here, before any write. */

type TrunkColumns = Omit<Insertable<TrunksTable>, 'created_at'>;

/** The columns of a trunk; refuses the first bad field with a message naming it. */
export function trunkColumns(input: NewTrunk, flavor: SqlFlavor): TrunkColumns {
  const username = input.inboundUsername;
  const password = input.inboundPassword;
  if ((username === undefined) !== (password === undefined)) {
    throw new InvalidInputError(
      'invalid inbound credentials: give both the inbound username and password, or neither',
    );
  }
  const registration = input.registration;
  return {
    name: checkName(input.name, 'trunk name'),
    description: input.description === undefined ? null : (checkDescription(input.description) ?? null),
    enabled: flavor.flag(input.enabled ?? true),
    inbound_cidrs: checkCidrs(input.inboundCidrs ?? []).join(','),
    inbound_username: username === undefined ? null : checkUser(username, 'inbound username'),
    inbound_password: password === undefined ? null : checkSecret(password, 'inbound password'),
    inbound_strip: checkInteger(input.inboundStrip ?? 0, 'inbound strip', 0, 20),
    inbound_prefix: checkNumberPrefix(input.inboundPrefix ?? '', 'inbound prefix'),
    dispatch: checkDispatch(input.dispatch ?? 'priority'),
    strip_digits: checkInteger(input.stripDigits ?? 0, 'strip digits', 0, 20),
    prefix: checkNumberPrefix(input.prefix ?? '', 'prefix'),
    caller_id: input.callerId === undefined ? null : checkCallerId(input.callerId),
    no_reply_timeout:
      input.noReplyTimeout === undefined
        ? null
        : checkInteger(input.noReplyTimeout, 'no-reply timeout (ms)', 100, 120_000),
    no_answer_timeout:
      input.noAnswerTimeout === undefined
        ? null
        : checkInteger(input.noAnswerTimeout, 'no-answer timeout (ms)', 1000, 600_000),
    failover_codes:
      input.failoverCodes === undefined ? null : checkFailoverCodes(input.failoverCodes).join(','),
    codecs: checkCodecs(input.codecs ?? []).join(','),
    register_uri: registration ? checkRegistrarUri(registration.registrar) : null,
    register_username: registration ? checkUser(registration.username, 'registration username') : null,
    register_password: registration ? checkSecret(registration.password, 'registration password') : null,
    register_realm:
      registration?.realm === undefined || registration.realm.trim() === ''
        ? null
        : checkSecret(registration.realm.trim(), 'registration realm'),
    register_expires: registration
      ? checkInteger(registration.expires ?? 3600, 'registration expires (s)', 60, 86_400)
      : null,
  };
}

/** A stored trunk as the input that would make it (so a change can be applied and re-checked). */
export function asNewTrunk(trunk: Trunk): NewTrunk {
  const { createdAt: _createdAt, ...rest } = trunk;
  return rest;
}

export function gatewayRow(input: NewGateway, flavor: SqlFlavor): Insertable<TrunkGatewaysTable> {
  const { uri, transport: implied } = checkGatewayUri(input.uri);
  const transport = input.transport === undefined ? (implied ?? 'udp') : checkTransport(input.transport);
  if (implied !== undefined && implied !== transport) {
    throw new InvalidInputError(
      `invalid transport ${JSON.stringify(input.transport)}: the gateway URI ${uri} says ${implied}`,
    );
  }
  return {
    id: input.id === undefined ? madeId('gw') : checkName(input.id, 'gateway id'),
    trunk: checkName(input.trunk, 'trunk name'),
    uri,
    transport,
    priority: checkInteger(input.priority ?? 0, 'priority', 0, 65_535),
    weight: checkInteger(input.weight ?? 1, 'weight', 0, 10_000),
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
    id: input.id === undefined ? madeId('rt') : checkName(input.id, 'route id'),
    prefix: checkPrefix(input.prefix),
    trunk: checkName(input.trunk, 'trunk name'),
    priority: checkInteger(input.priority ?? 0, 'priority', 0, 65_535),
    price: input.price === undefined ? null : checkPrice(input.price),
    time_bands: checkTimeBands(input.timeBands ?? []).join(';'),
    enabled: flavor.flag(input.enabled ?? true),
    description: input.description === undefined ? null : (checkDescription(input.description) ?? null),
    created_at: flavor.time(now),
  };
}

export function asNewRoute(route: LcrRoute): NewRoute {
  const { createdAt: _createdAt, ...rest } = route;
  return rest;
}

/** An id for a gateway or route the operator did not name: `gw-3f9a1c20`. */
function madeId(kind: string): string {
  return `${kind}-${randomBytes(4).toString('hex')}`;
}
