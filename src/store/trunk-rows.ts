import type { Selectable } from 'kysely';
import { toBool, toDate } from './flavor.js';
import type { LcrRoutesTable, TrunkGatewaysTable, TrunksTable } from './schema.js';
import type { DispatchAlgorithm, Gateway, GatewayTransport, LcrRoute, Trunk } from './trunk-types.js';
import { isPem } from './validate-trunk-tls.js';

/** Trunk, gateway and route rows as read back, turned into the store's types. */

export function toTrunk(row: Selectable<TrunksTable>): Trunk {
  const trunk: Trunk = {
    name: row.name,
    enabled: toBool(row.enabled),
    inboundCidrs: list(row.inbound_cidrs),
    inboundStrip: Number(row.inbound_strip),
    inboundPrefix: row.inbound_prefix,
    // Written only through checkDispatch (and the table's check constraint).
    dispatch: row.dispatch as DispatchAlgorithm,
    stripDigits: Number(row.strip_digits),
    prefix: row.prefix,
    codecs: list(row.codecs),
    createdAt: toDate(row.created_at),
  };
  if (row.description !== null) trunk.description = row.description;
  if (row.inbound_username !== null) trunk.inboundUsername = row.inbound_username;
  if (row.inbound_password !== null) trunk.inboundPassword = row.inbound_password;
  if (row.caller_id !== null) trunk.callerId = row.caller_id;
  if (row.no_reply_timeout !== null) trunk.noReplyTimeout = Number(row.no_reply_timeout);
  if (row.no_answer_timeout !== null) trunk.noAnswerTimeout = Number(row.no_answer_timeout);
  if (row.failover_codes !== null) trunk.failoverCodes = list(row.failover_codes);
  if (row.register_uri !== null && row.register_username !== null && row.register_password !== null) {
    trunk.registration = {
      registrar: row.register_uri,
      username: row.register_username,
      password: row.register_password,
      expires: Number(row.register_expires ?? 3600),
    };
    if (row.register_realm !== null) trunk.registration.realm = row.register_realm;
  }
  if (row.tls_certificate !== null) trunk.tlsCertificate = row.tls_certificate;
  if (row.tls_key !== null) trunk.tlsKey = row.tls_key;
  if (row.tls_ca !== null) trunk.tlsCa = row.tls_ca;
  if (row.inbound_tls_name !== null) trunk.inboundTlsName = row.inbound_tls_name;
  return trunk;
}

export function toGateway(row: Selectable<TrunkGatewaysTable>): Gateway {
  return {
    id: row.id,
    trunk: row.trunk,
    uri: row.uri,
    transport: row.transport as GatewayTransport,
    priority: Number(row.priority),
    weight: Number(row.weight),
    probe: toBool(row.probe),
    enabled: toBool(row.enabled),
    createdAt: toDate(row.created_at),
  };
}

export function toRoute(row: Selectable<LcrRoutesTable>): LcrRoute {
  const route: LcrRoute = {
    id: row.id,
    prefix: row.prefix,
    trunk: row.trunk,
    priority: Number(row.priority),
    timeBands: row.time_bands === '' ? [] : row.time_bands.split(';'),
    enabled: toBool(row.enabled),
    createdAt: toDate(row.created_at),
  };
  if (row.price !== null) route.price = Number(row.price);
  if (row.description !== null) route.description = row.description;
  return route;
}

function list(text: string): string[] {
  return text === '' ? [] : text.split(',');
}

/**
 * What a trunk shows in lists and the API: its passwords, and a private key given as PEM text,
 * replaced by `***` (set, not shown). A key's path is shown.
 */
export function withoutSecrets(trunk: Trunk): Trunk {
  const shown: Trunk = { ...trunk };
  if (shown.tlsKey !== undefined && isPem(shown.tlsKey)) shown.tlsKey = '***';
  if (shown.inboundPassword !== undefined) shown.inboundPassword = '***';
  if (shown.registration) shown.registration = { ...shown.registration, password: '***' };
  return shown;
}
