import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Binding, BindingSource } from '../../../src/location/index.js';
import { answerChallenge, DigestAuthenticator } from '../../../src/sip/auth/index.js';
import type { SipRequest, SipResponse } from '../../../src/sip/message/index.js';
import { parseMessage } from '../../../src/sip/parser/index.js';
import { checkAuthAlgorithms, digestSecrets } from '../../../src/store/index.js';
import type {
  AddressAlias,
  BindingWrites,
  Domain,
  DomainChanges,
  ImportProgress,
  NewDomainOptions,
  NewSubscriber,
  ProvisioningStore,
  StoredBinding,
  Subscriber,
} from '../../../src/store/types.js';

/** An in-memory ProvisioningStore; `failWrites` makes binding writes reject (a database down). */
export class FakeStore implements ProvisioningStore {
  readonly domains = new Map<string, Domain>();
  readonly subscribers = new Map<string, Subscriber>();
  readonly aliases: AddressAlias[] = [];
  readonly bindings = new Map<string, StoredBinding>();
  failWrites = false;
  closed = false;
  /** Every user part resolveUser was asked about (to check hostile input only reaches lookups). */
  readonly lookedUp: string[] = [];

  async addDomain(name: string, options: NewDomainOptions = {}): Promise<Domain> {
    const domain: Domain = { name: name.toLowerCase(), createdAt: new Date() };
    if (options.authAlgorithms) domain.authAlgorithms = checkAuthAlgorithms(options.authAlgorithms);
    this.domains.set(domain.name, domain);
    return domain;
  }
  async updateDomain(name: string, changes: DomainChanges): Promise<Domain> {
    const domain = this.domains.get(name.toLowerCase());
    if (!domain) throw new Error(`no domain ${name}`);
    if (changes.authAlgorithms === null) delete domain.authAlgorithms;
    else if (changes.authAlgorithms) domain.authAlgorithms = checkAuthAlgorithms(changes.authAlgorithms);
    return domain;
  }
  async listDomains(): Promise<Domain[]> {
    return [...this.domains.values()];
  }
  async removeDomain(name: string): Promise<boolean> {
    return this.domains.delete(name.toLowerCase());
  }
  async hasDomain(name: string): Promise<boolean> {
    return this.domains.has(name.toLowerCase());
  }
  async addSubscriber(s: NewSubscriber): Promise<Subscriber> {
    const subscriber: Subscriber = {
      username: s.username,
      domain: s.domain,
      enabled: s.enabled ?? true,
      createdAt: new Date(),
      ...digestSecrets(s.username, s.domain, s.password),
    };
    this.subscribers.set(`${s.username}@${s.domain}`, subscriber);
    return subscriber;
  }
  async getSubscriber(username: string, domain: string): Promise<Subscriber | undefined> {
    return this.subscribers.get(`${username}@${domain}`);
  }
  async listSubscribers(domain?: string): Promise<Subscriber[]> {
    return [...this.subscribers.values()].filter((s) => !domain || s.domain === domain);
  }
  async removeSubscriber(username: string, domain: string): Promise<boolean> {
    return this.subscribers.delete(`${username}@${domain}`);
  }
  async setPassword(username: string, domain: string, password: string): Promise<boolean> {
    const s = this.subscribers.get(`${username}@${domain}`);
    if (!s) return false;
    Object.assign(s, digestSecrets(username, domain, password));
    return true;
  }
  async importSubscribers(rows: NewSubscriber[], _onProgress?: (p: ImportProgress) => void): Promise<number> {
    for (const row of rows) await this.addSubscriber(row);
    return rows.length;
  }
  async addAlias(alias: AddressAlias): Promise<AddressAlias> {
    this.aliases.push(alias);
    return alias;
  }
  async listAliases(domain?: string): Promise<AddressAlias[]> {
    return this.aliases.filter((a) => !domain || a.domain === domain);
  }
  async removeAlias(alias: string, domain: string): Promise<boolean> {
    const i = this.aliases.findIndex((a) => a.alias === alias && a.domain === domain);
    if (i >= 0) this.aliases.splice(i, 1);
    return i >= 0;
  }
  async resolveUser(user: string, domain: string): Promise<Subscriber | undefined> {
    this.lookedUp.push(user);
    const direct = this.subscribers.get(`${user}@${domain}`);
    if (direct) return direct;
    const alias = this.aliases.find((a) => a.alias === user && (a.domain === domain || a.kind === 'number'));
    return alias ? this.subscribers.get(`${alias.username}@${alias.domain}`) : undefined;
  }
  async saveBinding(binding: StoredBinding): Promise<void> {
    if (this.failWrites) throw new Error('database is down');
    this.bindings.set(`${binding.aor} ${binding.contact}`, structuredClone(binding));
  }
  async removeBinding(aor: string, contact: string): Promise<void> {
    if (this.failWrites) throw new Error('database is down');
    this.bindings.delete(`${aor} ${contact}`);
  }
  async writeBindings(changes: BindingWrites): Promise<void> {
    if (this.failWrites) throw new Error('database is down');
    for (const { aor, contact } of changes.remove) this.bindings.delete(`${aor} ${contact}`);
    for (const b of changes.save) this.bindings.set(`${b.aor} ${b.contact}`, structuredClone(b));
  }
  async removeBindings(aor: string): Promise<void> {
    for (const key of [...this.bindings.keys()]) if (key.startsWith(`${aor} `)) this.bindings.delete(key);
  }
  async loadBindings(): Promise<StoredBinding[]> {
    return [...this.bindings.values()].map((b) => structuredClone(b));
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** example.com with alice, bob and carol (password `<name>-pw`), and a number for bob. */
export async function provisionedStore(): Promise<FakeStore> {
  const store = new FakeStore();
  await store.addDomain('example.com');
  await store.addDomain('other.org');
  for (const name of ['alice', 'bob', 'carol']) {
    await store.addSubscriber({ username: name, domain: 'example.com', password: `${name}-pw` });
  }
  await store.addAlias({ alias: '+14155550100', domain: 'example.com', username: 'bob', kind: 'number' });
  return store;
}

/** A settable clock. */
export class TestClock {
  constructor(public t = Date.UTC(2025, 0, 1, 12, 0, 0)) {}
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export function sipRequest(text: string): SipRequest {
  return parseMessage(Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'latin1')) as SipRequest;
}

export interface RoutedRequestOptions {
  method?: string;
  /** Request-URI and To (default sip:bob@example.com). */
  to?: string;
  from?: string;
  /** The Via's sent-by. */
  via?: string;
  extra?: string[];
}

/** An out-of-dialog request as a phone or a carrier sends it (INVITE to bob by default). */
export function routedRequest(o: RoutedRequestOptions = {}): SipRequest {
  const method = o.method ?? 'INVITE';
  const to = o.to ?? 'sip:bob@example.com';
  return sipRequest(
    [
      `${method} ${to} SIP/2.0`,
      `Via: SIP/2.0/UDP ${o.via ?? '192.0.2.10:5060'};branch=z9hG4bK-1`,
      'Max-Forwards: 70',
      `From: <${o.from ?? 'sip:alice@example.com'}>;tag=a`,
      `To: <${to}>`,
      'Call-ID: c1',
      `CSeq: 1 ${method}`,
      ...(o.extra ?? []),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

export interface RegisterOptions {
  user?: string;
  domain?: string;
  requestUri?: string;
  callId?: string;
  cseq?: number;
  contacts?: string[];
  expires?: string;
  extra?: string[];
}

let branch = 0;

/** A REGISTER as a phone writes it. */
export function registerRequest(o: RegisterOptions = {}): SipRequest {
  const user = o.user ?? 'alice';
  const domain = o.domain ?? 'example.com';
  const lines = [
    `REGISTER ${o.requestUri ?? `sip:${domain}`} SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-reg-${++branch}`,
    'Max-Forwards: 70',
    `From: <sip:${user}@${domain}>;tag=f${branch}`,
    `To: <sip:${user}@${domain}>`,
    `Call-ID: ${o.callId ?? 'call-1'}`,
    `CSeq: ${o.cseq ?? 1} REGISTER`,
    ...(o.contacts ?? ['<sip:alice@192.0.2.10:5060>']).map((c) => `Contact: ${c}`),
    ...(o.expires !== undefined ? [`Expires: ${o.expires}`] : []),
    ...(o.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ];
  return sipRequest(lines.join('\r\n'));
}

/** Add the Authorization answering a 401 (the request is changed in place). */
export function authorize(
  request: SipRequest,
  challenge: SipResponse,
  username: string,
  password: string,
): SipRequest {
  const values = challenge.getAll('www-authenticate');
  request.append(
    'Authorization',
    answerChallenge(values, { username, password, method: request.method, uri: request.uriText }),
  );
  return request;
}

export const phone: BindingSource = { protocol: 'udp', address: '198.51.100.7', port: 40000 };

export function newAuthenticator(now: () => number): DigestAuthenticator {
  return new DigestAuthenticator({ now, secret: Buffer.alloc(32, 7) });
}

/** A binding with defaults, for location tests. */
export function binding(over: Partial<Binding> = {}): Binding {
  return {
    aor: 'sip:alice@example.com',
    contact: 'sip:alice@192.0.2.10:5060',
    expiresAt: Date.UTC(2025, 0, 1, 13, 0, 0),
    q: 1,
    callId: 'call-1',
    cseq: 1,
    source: phone,
    path: [],
    instanceId: undefined,
    regId: undefined,
    userAgent: undefined,
    updatedAt: Date.UTC(2025, 0, 1, 12, 0, 0),
    ...over,
  };
}

/** A full garbage collection, so heap deltas measure what is retained (V8's gc, exposed on demand). */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
