import type { Selectable } from 'kysely';
import type { DigestAlgorithm } from '../sip/auth/index.js';
import { toBool, toDate } from './flavor.js';
import type { AliasesTable, BindingsTable, DomainsTable, SubscribersTable } from './schema.js';
import type { AddressAlias, Domain, StoredBinding, Subscriber } from './types.js';

/** Rows as read back, turned into the store's types (no nulls, Dates and booleans on every backend). */

export function toDomain(row: Selectable<DomainsTable>): Domain {
  const domain: Domain = { name: row.name, createdAt: toDate(row.created_at) };
  // Written only through checkAuthAlgorithms, so the names are known ones.
  if (row.auth_algorithms) domain.authAlgorithms = row.auth_algorithms.split(',') as DigestAlgorithm[];
  return domain;
}

export function toSubscriber(row: Selectable<SubscribersTable>): Subscriber {
  const subscriber: Subscriber = {
    username: row.username,
    domain: row.domain,
    enabled: toBool(row.enabled),
    ha1Md5: row.ha1_md5,
    ha1Sha256: row.ha1_sha256,
    createdAt: toDate(row.created_at),
  };
  if (row.display_name !== null) subscriber.displayName = row.display_name;
  return subscriber;
}

export function toAlias(
  row: Pick<Selectable<AliasesTable>, 'alias' | 'domain' | 'username' | 'kind'>,
): AddressAlias {
  return { alias: row.alias, domain: row.domain, username: row.username, kind: row.kind };
}

export function toBinding(row: Selectable<BindingsTable>): StoredBinding {
  const binding: StoredBinding = {
    aor: row.aor,
    contact: row.contact,
    expiresAt: toDate(row.expires_at),
    q: Number(row.q),
    callId: row.call_id,
    cseq: Number(row.cseq),
    source: { protocol: row.source_protocol, address: row.source_address, port: Number(row.source_port) },
    path: JSON.parse(row.path) as string[],
  };
  if (row.instance_id !== null) binding.instanceId = row.instance_id;
  if (row.reg_id !== null) binding.regId = Number(row.reg_id);
  if (row.user_agent !== null) binding.userAgent = row.user_agent;
  return binding;
}

/** `alice@example.com`, as messages name a subscriber. */
export function address(username: string, domain: string): string {
  return `${username}@${domain}`;
}
