import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  InvalidInputError,
  MIGRATIONS,
  migrate,
  NotFoundError,
  type SqlProvisioningStore,
  type StoredBinding,
} from '../../../src/store/index.js';
import type { StoreHarness } from './harness.js';

/** Every migration this Switchboard knows, in order. */
const ALL_VERSIONS = MIGRATIONS.map((m) => m.version);

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function binding(overrides: Partial<StoredBinding> = {}): StoredBinding {
  return {
    aor: 'sip:alice@example.com',
    contact: '<sip:alice@192.0.2.10:5060;transport=udp>',
    expiresAt: new Date(Date.now() + 3600_000),
    q: 0.7,
    callId: 'a84b4c76e66710@pc33',
    cseq: 314159,
    source: { protocol: 'udp', address: '192.0.2.10', port: 5060 },
    path: ['<sip:edge1.example.com;lr>'],
    instanceId: '<urn:uuid:00000000-0000-1000-8000-000A95A0E128>',
    regId: 1,
    userAgent: 'Yealink SIP-T46S 66.86.0.15',
    ...overrides,
  };
}

/** The ProvisioningStore contract; every backend runs all of it. */
export function storeContract(makeHarness: () => StoreHarness): void {
  let harness: StoreHarness;
  let store: SqlProvisioningStore;

  beforeEach(async () => {
    harness = makeHarness();
    store = await harness.open();
    await store.addDomain('example.com');
  });
  afterEach(async () => {
    await harness.cleanup();
  });

  const alice = { username: 'alice', domain: 'example.com', password: 'secret' };

  describe('migrations', () => {
    it('records each numbered migration once, in order', async () => {
      expect(await store.schemaVersions()).toEqual(ALL_VERSIONS);
    });

    it('are idempotent: reopening and migrating again applies nothing', async () => {
      const again = await harness.open();
      expect(await again.schemaVersions()).toEqual(ALL_VERSIONS);
      expect(await migrate((again as unknown as { db: never }).db, again.flavor)).toEqual([]);
      expect(await again.listDomains()).toHaveLength(1);
    });

    it('refuses a database migrated by a newer Switchboard', async () => {
      await harness.exec(
        `insert into schema_migrations (version, name, applied_at) values (99, 'future', ${
          store.flavor.name === 'sqlite' ? '0' : 'now()'
        })`,
      );
      await expect(harness.open()).rejects.toThrow(
        new RegExp(`version 99, newer than this Switchboard knows \\(${ALL_VERSIONS.at(-1)}\\)`),
      );
    });

    it('brings a version-3 database up to date: its domains keep the node default algorithms', async () => {
      await harness.exec('alter table domains drop column auth_algorithms');
      await harness.exec('delete from schema_migrations where version = 4');
      const upgraded = await harness.open();
      expect(await upgraded.schemaVersions()).toEqual(ALL_VERSIONS);
      const [domain] = await upgraded.listDomains();
      expect(domain?.name).toBe('example.com');
      expect(domain?.authAlgorithms).toBeUndefined();
    });
  });

  describe('domains', () => {
    it('keeps digest algorithms per domain: set at add, changed, back to the default', async () => {
      expect((await store.listDomains())[0]?.authAlgorithms).toBeUndefined();
      const added = await store.addDomain('secure.example', { authAlgorithms: ['sha-256', 'MD5'] });
      expect(added.authAlgorithms).toEqual(['SHA-256', 'MD5']);
      const byName = async (name: string) => (await store.listDomains()).find((d) => d.name === name);
      expect((await byName('secure.example'))?.authAlgorithms).toEqual(['SHA-256', 'MD5']);

      const updated = await store.updateDomain('Example.COM', { authAlgorithms: ['SHA-256'] });
      expect(updated).toMatchObject({ name: 'example.com', authAlgorithms: ['SHA-256'] });
      expect((await byName('example.com'))?.authAlgorithms).toEqual(['SHA-256']);
      expect((await store.updateDomain('example.com', {})).authAlgorithms).toEqual(['SHA-256']);
      const reset = await store.updateDomain('example.com', { authAlgorithms: null });
      expect(reset.authAlgorithms).toBeUndefined();
      expect((await byName('example.com'))?.authAlgorithms).toBeUndefined();
    });

    it('refuses unknown, repeated or no digest algorithms, and a domain that is not there', async () => {
      await expect(store.addDomain('a.example', { authAlgorithms: ['SHA-1'] })).rejects.toThrow(
        InvalidInputError,
      );
      expect(await store.hasDomain('a.example')).toBe(false);
      await expect(store.updateDomain('example.com', { authAlgorithms: [] })).rejects.toThrow(/empty/);
      await expect(store.updateDomain('example.com', { authAlgorithms: ['MD5', 'md5'] })).rejects.toThrow(
        /MD5 is listed twice/,
      );
      await expect(store.updateDomain('nowhere.net', { authAlgorithms: ['MD5'] })).rejects.toThrow(
        NotFoundError,
      );
      expect((await store.listDomains())[0]?.authAlgorithms).toBeUndefined();
    });

    it('adds, lists (sorted, lower-cased), checks and removes', async () => {
      const added = await store.addDomain('B.Example.ORG');
      expect(added.name).toBe('b.example.org');
      expect(added.createdAt).toBeInstanceOf(Date);
      expect((await store.listDomains()).map((d) => d.name)).toEqual(['b.example.org', 'example.com']);
      expect(await store.hasDomain('B.EXAMPLE.org')).toBe(true);
      expect(await store.removeDomain('b.example.org')).toBe(true);
      expect(await store.removeDomain('b.example.org')).toBe(false);
      expect(await store.hasDomain('b.example.org')).toBe(false);
    });

    it('refuses a duplicate with a clear message', async () => {
      await expect(store.addDomain('EXAMPLE.com')).rejects.toThrow(
        new ConflictError('domain example.com already exists'),
      );
    });

    it.each([
      '',
      'exa mple.com',
      '-bad.com',
      'a..b',
      `${'x'.repeat(64)}.com`,
      "x.com'; drop table domains;--",
    ])('rejects the invalid name %j', async (name) => {
      await expect(store.addDomain(name)).rejects.toBeInstanceOf(InvalidInputError);
    });

    it('refuses to remove a domain with subscribers unless cascading', async () => {
      await store.addSubscriber(alice);
      await store.addAlias({
        alias: '+14155550100',
        domain: 'example.com',
        username: 'alice',
        kind: 'number',
      });
      await expect(store.removeDomain('example.com')).rejects.toThrow(/still has 1 subscriber \(/);
      expect(await store.removeDomain('example.com', { cascade: true })).toBe(true);
      expect(await store.listSubscribers()).toEqual([]);
      expect(await store.listAliases()).toEqual([]);
    });
  });

  describe('subscribers', () => {
    it('stores HA1 for MD5 and SHA-256 with realm = domain, never the password', async () => {
      const added = await store.addSubscriber({ ...alice, password: 'pässwörd-unique-42' });
      expect(added.ha1Md5).toBe(md5('alice:example.com:pässwörd-unique-42'));
      expect(added.ha1Sha256).toBe(sha256('alice:example.com:pässwörd-unique-42'));
      expect(await store.getSubscriber('alice', 'example.com')).toEqual(added);
      expect(await harness.dump('subscribers')).not.toContain('pässwörd-unique-42');
    });

    it('keeps display name and enabled flag', async () => {
      await store.addSubscriber({ ...alice, displayName: 'Alice Liddell', enabled: false });
      const got = await store.getSubscriber('alice', 'EXAMPLE.COM');
      expect(got).toMatchObject({ username: 'alice', domain: 'example.com', displayName: 'Alice Liddell' });
      expect(got?.enabled).toBe(false);
      expect(await store.setEnabled('alice', 'example.com', true)).toBe(true);
      expect((await store.getSubscriber('alice', 'example.com'))?.enabled).toBe(true);
    });

    it('refuses a duplicate with a clear message', async () => {
      await store.addSubscriber(alice);
      await expect(store.addSubscriber({ ...alice, password: 'other' })).rejects.toThrow(
        new ConflictError('subscriber alice@example.com already exists'),
      );
    });

    it('refuses an unknown domain with a hint', async () => {
      const refused = store.addSubscriber({ ...alice, domain: 'nowhere.net' });
      await expect(refused).rejects.toBeInstanceOf(NotFoundError);
      await expect(refused).rejects.toThrow(
        'domain nowhere.net does not exist (add it first: switchboard domain add nowhere.net)',
      );
    });

    it.each([
      '',
      'al ice',
      'a:b',
      'a@b',
      '%61lice',
      'x'.repeat(65),
      "robert'); DROP TABLE subscribers;--",
      'tab\there',
    ])('rejects the invalid username %j', async (username) => {
      await expect(store.addSubscriber({ ...alice, username })).rejects.toBeInstanceOf(InvalidInputError);
    });

    it('rejects empty passwords and control characters', async () => {
      await expect(store.addSubscriber({ ...alice, password: '' })).rejects.toThrow(/password: it is empty/);
      await expect(store.addSubscriber({ ...alice, password: 'a\nb' })).rejects.toThrow(/control/);
      await expect(store.addSubscriber({ ...alice, displayName: 'x\u0000' })).rejects.toThrow(/display name/);
    });

    it('stores SQL-looking user parts as plain data', async () => {
      const username = "o'brien;--";
      await store.addSubscriber({ ...alice, username, displayName: "'); DROP TABLE subscribers; --" });
      await store.addSubscriber(alice);
      const got = await store.getSubscriber(username, 'example.com');
      expect(got?.displayName).toBe("'); DROP TABLE subscribers; --");
      expect((await store.listSubscribers()).map((s) => s.username)).toEqual(['alice', username]);
      expect(await store.getSubscriber("' or '1'='1", 'example.com')).toBeUndefined();
      expect(await store.resolveUser("' or 1=1 --", "example.com' or '1'='1")).toBeUndefined();
    });

    it('lists all or one domain, sorted', async () => {
      await store.addDomain('other.org');
      await store.addSubscriber({ ...alice, username: 'zed' });
      await store.addSubscriber(alice);
      await store.addSubscriber({ ...alice, domain: 'other.org' });
      const all = await store.listSubscribers();
      expect(all.map((s) => `${s.username}@${s.domain}`)).toEqual([
        'alice@example.com',
        'zed@example.com',
        'alice@other.org',
      ]);
      expect((await store.listSubscribers('OTHER.org')).map((s) => s.username)).toEqual(['alice']);
    });

    it('changes the password (both HA1 values)', async () => {
      await store.addSubscriber(alice);
      expect(await store.setPassword('alice', 'example.com', 'n3w')).toBe(true);
      const got = await store.getSubscriber('alice', 'example.com');
      expect(got?.ha1Md5).toBe(md5('alice:example.com:n3w'));
      expect(got?.ha1Sha256).toBe(sha256('alice:example.com:n3w'));
      expect(await store.setPassword('nobody', 'example.com', 'x')).toBe(false);
    });

    it('removes a subscriber with its aliases, numbers and bindings', async () => {
      await store.addSubscriber(alice);
      await store.addAlias({ alias: 'al', domain: 'example.com', username: 'alice', kind: 'alias' });
      await store.addAlias({
        alias: '+14155550100',
        domain: 'example.com',
        username: 'alice',
        kind: 'number',
      });
      await store.saveBinding(binding());
      await store.saveBinding(binding({ aor: 'sip:bob@example.com' }));
      expect(await store.removeSubscriber('alice', 'example.com')).toBe(true);
      expect(await store.removeSubscriber('alice', 'example.com')).toBe(false);
      expect(await store.listAliases()).toEqual([]);
      expect((await store.loadBindings()).map((b) => b.aor)).toEqual(['sip:bob@example.com']);
    });
  });

  describe('aliases and numbers', () => {
    beforeEach(async () => {
      await store.addDomain('other.org');
      await store.addSubscriber(alice);
      await store.addSubscriber({ ...alice, username: 'bob', domain: 'other.org' });
    });

    it('resolves by username, alias, and number with or without +', async () => {
      await store.addAlias({
        alias: 'alice.liddell',
        domain: 'example.com',
        username: 'alice',
        kind: 'alias',
      });
      const number = await store.addAlias({
        alias: '+1 (415) 555-0100',
        domain: 'example.com',
        username: 'alice',
        kind: 'number',
      });
      expect(number.alias).toBe('+14155550100');
      for (const user of ['alice', 'alice.liddell', '+14155550100', '14155550100', '+1-415-555-0100']) {
        expect((await store.resolveUser(user, 'example.com'))?.username, user).toBe('alice');
      }
      expect(await store.resolveUser('alice.liddell', 'other.org')).toBeUndefined();
      expect(await store.resolveUser('carol', 'example.com')).toBeUndefined();
    });

    it('resolves a number in any domain (numbers are unique platform-wide)', async () => {
      await store.addAlias({
        alias: '14155550100',
        domain: 'example.com',
        username: 'alice',
        kind: 'number',
      });
      expect((await store.resolveUser('+14155550100', '203.0.113.5'))?.username).toBe('alice');
      await expect(
        store.addAlias({ alias: '+14155550100', domain: 'other.org', username: 'bob', kind: 'number' }),
      ).rejects.toThrow(new ConflictError('number +14155550100 is already assigned to alice@example.com'));
      expect(await store.findNumber('14155550100')).toEqual({
        alias: '+14155550100',
        domain: 'example.com',
        username: 'alice',
        kind: 'number',
      });
    });

    it('refuses duplicates, shadowing, unknown subscribers and bad numbers', async () => {
      await store.addAlias({ alias: 'al', domain: 'example.com', username: 'alice', kind: 'alias' });
      await expect(
        store.addAlias({ alias: 'al', domain: 'example.com', username: 'alice', kind: 'alias' }),
      ).rejects.toThrow('alias al@example.com already points at alice@example.com');
      await expect(store.addSubscriber({ ...alice, username: 'al' })).rejects.toThrow(
        'al@example.com is already an alias of alice@example.com',
      );
      await store.addSubscriber({ ...alice, username: 'carol' });
      await expect(
        store.addAlias({ alias: 'carol', domain: 'example.com', username: 'alice', kind: 'alias' }),
      ).rejects.toThrow('carol@example.com is a subscriber: an alias cannot hide it');
      await expect(
        store.addAlias({ alias: 'x', domain: 'example.com', username: 'nobody', kind: 'alias' }),
      ).rejects.toThrow(new NotFoundError('subscriber nobody@example.com does not exist'));
      for (const bad of ['+0123', 'abc', '+1234567890123456', '']) {
        await expect(
          store.addAlias({ alias: bad, domain: 'example.com', username: 'alice', kind: 'number' }),
        ).rejects.toBeInstanceOf(InvalidInputError);
      }
    });

    it('lists and removes (a number in any spelling)', async () => {
      await store.addAlias({
        alias: '+14155550100',
        domain: 'example.com',
        username: 'alice',
        kind: 'number',
      });
      await store.addAlias({ alias: 'al', domain: 'example.com', username: 'alice', kind: 'alias' });
      await store.addAlias({ alias: 'b', domain: 'other.org', username: 'bob', kind: 'alias' });
      expect((await store.listAliases()).map((a) => `${a.kind}:${a.alias}@${a.domain}`)).toEqual([
        'alias:al@example.com',
        'number:+14155550100@example.com',
        'alias:b@other.org',
      ]);
      expect(await store.listAliases('other.org')).toEqual([
        { alias: 'b', domain: 'other.org', username: 'bob', kind: 'alias' },
      ]);
      expect(await store.removeAlias('1 415 555 0100', 'example.com')).toBe(true);
      expect(await store.removeAlias('al', 'example.com')).toBe(true);
      expect(await store.removeAlias('al', 'example.com')).toBe(false);
      expect(await store.listAliases('example.com')).toEqual([]);
    });
  });

  describe('bindings', () => {
    it('round-trip every field, and survive a reopen (a restart)', async () => {
      const full = binding();
      const minimal = binding({ contact: '<sip:alice@198.51.100.7:5070>', path: [], q: 1 });
      delete minimal.instanceId;
      delete minimal.regId;
      delete minimal.userAgent;
      await store.saveBinding(full);
      await store.saveBinding(minimal);
      await store.close();
      const reopened = await harness.open();
      const loaded = await reopened.loadBindings();
      expect(loaded).toEqual([full, minimal].sort((a, b) => a.contact.localeCompare(b.contact)));
      store = reopened;
    });

    it('replace a binding with the same AoR and contact', async () => {
      await store.saveBinding(binding());
      const refreshed = binding({ cseq: 314160, expiresAt: new Date(Date.now() + 60_000), userAgent: 'new' });
      await store.saveBinding(refreshed);
      expect(await store.loadBindings()).toEqual([refreshed]);
    });

    it('write several saves and removals in one batch', async () => {
      await store.saveBinding(binding());
      const other = binding({ contact: '<sip:alice@192.0.2.11>' });
      const bob = binding({ aor: 'sip:bob@example.com' });
      await store.writeBindings({
        save: [other, bob],
        remove: [{ aor: 'sip:alice@example.com', contact: binding().contact }],
      });
      expect((await store.loadBindings()).map((b) => b.contact)).toEqual([other.contact, bob.contact]);
      await store.writeBindings({ save: [], remove: [] });
      expect(await store.loadBindings()).toHaveLength(2);
      // More rows than one statement carries (full statements and single rows); every column lands
      // in its place; refreshed rows are updated in place.
      const many = Array.from({ length: 1203 }, (_, i) =>
        binding({
          contact: `<sip:u${i}@192.0.2.1>`,
          cseq: i,
          callId: `call-${i}`,
          q: (i % 10) / 10,
          source: { protocol: i % 2 ? 'tcp' : 'udp', address: `192.0.2.${i % 250}`, port: 5000 + i },
          path: i % 3 ? [] : [`<sip:edge${i}.example.net;lr>`],
          ...(i % 4 ? {} : { instanceId: `"<urn:uuid:${i}>"`, regId: i % 7, userAgent: `phone ${i}` }),
        }),
      );
      await store.writeBindings({ save: many, remove: [] });
      await store.writeBindings({ save: many.map((b) => ({ ...b, cseq: b.cseq + 1 })), remove: [] });
      const loaded = await store.loadBindings();
      expect(loaded).toHaveLength(1205);
      for (const i of [0, 7, 99, 100, 1199, 1200, 1202]) {
        expect(loaded.find((b) => b.contact === `<sip:u${i}@192.0.2.1>`)).toEqual({
          ...many[i]!,
          cseq: i + 1,
        });
      }
      await store.writeBindings({ save: [], remove: many.map((b) => ({ aor: b.aor, contact: b.contact })) });
      expect(await store.loadBindings()).toHaveLength(2);
    });

    it('remove one, all of an AoR, or the expired ones', async () => {
      await store.saveBinding(binding());
      await store.saveBinding(binding({ contact: '<sip:alice@192.0.2.11>' }));
      await store.saveBinding(
        binding({ aor: 'sip:bob@example.com', expiresAt: new Date(Date.now() - 1000) }),
      );
      await store.removeBinding('sip:alice@example.com', '<sip:alice@192.0.2.11>');
      expect((await store.loadBindings()).map((b) => b.contact)).toHaveLength(2);
      expect(await store.purgeExpiredBindings()).toBe(1);
      await store.removeBindings('sip:alice@example.com');
      expect(await store.loadBindings()).toEqual([]);
    });
  });

  describe('importSubscribers', () => {
    const rows = (n: number, domain = 'example.com') =>
      Array.from({ length: n }, (_, i) => ({
        username: `user${String(i).padStart(5, '0')}`,
        domain,
        password: `pw-${i}`,
        displayName: i % 2 ? `User ${i}` : undefined,
      }));

    it('inserts 10,000 rows in one transaction in seconds, reporting progress', async () => {
      const progress: number[] = [];
      const started = performance.now();
      const count = await store.importSubscribers(rows(10_000), (p) => {
        expect(p.total).toBe(10_000);
        progress.push(p.done);
      });
      const seconds = (performance.now() - started) / 1000;
      expect(count).toBe(10_000);
      expect(seconds).toBeLessThan(10);
      expect(progress.at(-1)).toBe(10_000);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(progress.length).toBeGreaterThanOrEqual(10);
      const all = await store.listSubscribers('example.com');
      expect(all).toHaveLength(10_000);
      const last = await store.getSubscriber('user09999', 'example.com');
      expect(last?.ha1Md5).toBe(md5('user09999:example.com:pw-9999'));
      expect(last?.ha1Sha256).toBe(sha256('user09999:example.com:pw-9999'));
      expect(last?.displayName).toBe('User 9999');
    }, 60_000);

    it('imports nothing when one row is bad, naming the row', async () => {
      const bad = rows(1200);
      bad[1100] = { ...bad[1100]!, username: 'bad user' };
      await expect(store.importSubscribers(bad)).rejects.toThrow(/^row 1101: invalid username "bad user"/);
      expect(await store.listSubscribers()).toEqual([]);
    });

    it('refuses duplicates in the rows, existing subscribers and unknown domains', async () => {
      await expect(store.importSubscribers([...rows(3), rows(3)[1]!])).rejects.toThrow(
        'row 4: user00001@example.com is also on row 2',
      );
      await store.addSubscriber({ ...alice, username: 'user00002' });
      await expect(store.importSubscribers(rows(3))).rejects.toThrow(
        new ConflictError('row 3: subscriber user00002@example.com already exists'),
      );
      await expect(store.importSubscribers(rows(2, 'nowhere.net'))).rejects.toBeInstanceOf(NotFoundError);
      expect(await store.listSubscribers()).toHaveLength(1);
    });
  });
  describe('recordings index and policies', () => {
    const recording = (id: string, startedAt: Date, status = 'active') => ({
      id,
      callId: `call-${id}`,
      source: 'siprec',
      status,
      startedAt,
      stored: true,
      directory: `/data/recordings/${id}`,
      document: JSON.stringify({ legs: [{ index: 0, label: '1' }] }),
    });

    it('saves, replaces, filters newest first and removes recordings', async () => {
      const t = Date.UTC(2026, 0, 1);
      await store.recordings.saveRecording(recording('a', new Date(t)));
      await store.recordings.saveRecording(recording('b', new Date(t + 1000)));
      await store.recordings.saveRecording({
        ...recording('a', new Date(t), 'failed'),
        stoppedAt: new Date(t + 5000),
        failure: 'media timeout',
        streamUrl: 'ws://127.0.0.1:9/x',
      });
      expect((await store.recordings.listRecordings()).map((r) => r.id)).toEqual(['b', 'a']);
      const a = await store.recordings.getRecording('a');
      expect(a).toMatchObject({
        status: 'failed',
        failure: 'media timeout',
        streamUrl: 'ws://127.0.0.1:9/x',
      });
      expect(a?.stoppedAt?.getTime()).toBe(t + 5000);
      expect(a?.startedAt.getTime()).toBe(t);
      expect(JSON.parse(a?.document ?? '')).toEqual({ legs: [{ index: 0, label: '1' }] });
      expect((await store.recordings.listRecordings({ status: 'active' })).map((r) => r.id)).toEqual(['b']);
      expect((await store.recordings.listRecordings({ callId: 'call-a' })).map((r) => r.id)).toEqual(['a']);
      expect(
        (await store.recordings.listRecordings({ startedBefore: new Date(t + 500) })).map((r) => r.id),
      ).toEqual(['a']);
      expect((await store.recordings.listRecordings({ limit: 1, offset: 1 })).map((r) => r.id)).toEqual([
        'a',
      ]);
      expect(await store.recordings.removeRecording('a')).toBe(true);
      expect(await store.recordings.removeRecording('a')).toBe(false);
      expect(await store.recordings.getRecording('a')).toBeUndefined();
    });

    it('keeps one policy per subscriber', async () => {
      const createdAt = new Date(Date.UTC(2026, 0, 1));
      await store.recordings.saveRecordingPolicy({
        subscriber: 'alice@example.com',
        stored: true,
        createdAt,
      });
      await store.recordings.saveRecordingPolicy({
        subscriber: 'alice@example.com',
        stored: false,
        streamUrl: 'wss://sink.example.com/rec',
        createdAt: new Date(),
      });
      const policy = await store.recordings.getRecordingPolicy('alice@example.com');
      expect(policy).toEqual({
        subscriber: 'alice@example.com',
        stored: false,
        streamUrl: 'wss://sink.example.com/rec',
        createdAt,
      });
      expect(await store.recordings.listRecordingPolicies()).toHaveLength(1);
      expect(await store.recordings.removeRecordingPolicy('alice@example.com')).toBe(true);
      expect(await store.recordings.removeRecordingPolicy('alice@example.com')).toBe(false);
    });
  });

  describe('API keys', () => {
    it('verifies a made key, refuses altered or removed ones and never lists the secret', async () => {
      const made = await store.apiKeys.createApiKey('billing system');
      expect(made.key).toMatch(/^sb_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/);
      expect(await store.apiKeys.verifyApiKey(made.key)).toMatchObject({
        id: made.id,
        name: 'billing system',
      });
      const altered = `${made.key.slice(0, -1)}${made.key.endsWith('x') ? 'y' : 'x'}`;
      expect(await store.apiKeys.verifyApiKey(altered)).toBeUndefined();
      for (const bad of ['', 'sb_', 'sb__x', `sb_${made.id}`, 'Bearer x', 'x'.repeat(10_000)]) {
        expect(await store.apiKeys.verifyApiKey(bad)).toBeUndefined();
      }
      // The secret is base64url, which may itself hold '_': it is everything after `sb_<id>_`.
      const secret = made.key.slice(`sb_${made.id}_`.length);
      expect(secret).toHaveLength(32);
      expect(JSON.stringify(await store.apiKeys.listApiKeys())).not.toContain(secret);
      await expect(store.apiKeys.createApiKey('  ')).rejects.toThrow('1-100 characters');
      expect(await store.apiKeys.removeApiKey(made.id)).toBe(true);
      expect(await store.apiKeys.verifyApiKey(made.key)).toBeUndefined();
    });
  });

  describe('call features', () => {
    beforeEach(async () => {
      await store.addSubscriber(alice);
    });

    it('keeps settings per subscriber; unset ones follow the domain default', async () => {
      await store.features.updateDomainFeatures('example.com', {
        forwardUnreachable: 'sip:voicemail@example.com',
        ringTimeout: 30,
        rejectAnonymous: true,
        numbering: { countryCode: '49', nationalPrefix: '0', internationalPrefix: '00', areaCode: '30' },
      });
      await store.features.updateSubscriberFeatures('alice', 'EXAMPLE.com', {
        forwardBusy: '+49 30 1234567'.replace(/ /g, ''),
        ringTimeout: 2,
        rejectAnonymous: false,
        barOutgoing: ['+1900*', '00*'],
      });
      expect(await store.features.effectiveFeatures('alice', 'example.com')).toEqual({
        forwardUnreachable: 'sip:voicemail@example.com',
        forwardBusy: '+49301234567',
        ringTimeout: 2,
        rejectAnonymous: false,
        barOutgoing: ['+1900*', '00*'],
        numbering: { countryCode: '49', nationalPrefix: '0', internationalPrefix: '00', areaCode: '30' },
      });
      // A change touches only what it names; null clears (back to the domain's).
      const changed = await store.features.updateSubscriberFeatures('alice', 'example.com', {
        ringTimeout: null,
        clir: true,
      });
      expect(changed.features).toEqual({
        forwardBusy: '+49301234567',
        rejectAnonymous: false,
        barOutgoing: ['+1900*', '00*'],
        clir: true,
      });
      expect((await store.features.effectiveFeatures('alice', 'example.com')).ringTimeout).toBe(30);
      // Replacing (PUT) clears whatever it does not name.
      await store.features.replaceSubscriberFeatures('alice', 'example.com', { forwardAlways: 'bob' });
      expect((await store.features.getSubscriberFeatures('alice', 'example.com'))?.features).toEqual({
        forwardAlways: 'bob',
      });
      expect(await store.features.removeSubscriberFeatures('alice', 'example.com')).toBe(true);
      expect(await store.features.getSubscriberFeatures('alice', 'example.com')).toBeUndefined();
      expect(await store.features.effectiveFeatures('nobody', 'nowhere.example')).toEqual({});
    });

    it('refuses bad input naming the field, and stores nothing of a refused change', async () => {
      await store.features.updateSubscriberFeatures('alice', 'example.com', {
        forwardBusy: 'sip:bob@example.com',
      });
      const cases: Array<[Record<string, unknown>, string, RegExp]> = [
        [{ forwardAlways: 'sip:' }, 'forwardAlways', /invalid forwardAlways "sip:": not a URI/],
        [{ forwardBusy: 'sip:example.com' }, 'forwardBusy', /a forward goes to a user/],
        [{ forwardNoAnswer: 'bob smith' }, 'forwardNoAnswer', /expected a sip:, sips: or tel: URI/],
        [{ ringTimeout: 0 }, 'ringTimeout', /from 1 to 600 seconds/],
        [{ ringTimeout: 2.5 }, 'ringTimeout', /whole number/],
        [{ barIncoming: ['+1*900'] }, 'barIncoming', /pattern "\+1\*900"/],
        [{ barOutgoing: '+1900*' }, 'barOutgoing', /list of number patterns/],
        [{ clir: 'yes' }, 'clir', /true or false/],
        [{ maxDiversions: 50 }, 'maxDiversions', /1 to 20/],
        [{ numbering: { countryCode: '49' } }, 'numbering', /domain setting/],
        [{ forwardBusy: 'sip:carol@example.com', colour: 'red' }, 'colour', /unknown feature setting colour/],
      ];
      for (const [changes, field, message] of cases) {
        const attempt = store.features.updateSubscriberFeatures('alice', 'example.com', changes);
        await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
        await expect(attempt).rejects.toThrow(message);
        await expect(attempt).rejects.toMatchObject({ field });
      }
      expect((await store.features.getSubscriberFeatures('alice', 'example.com'))?.features).toEqual({
        forwardBusy: 'sip:bob@example.com',
      });
      await expect(
        store.features.updateDomainFeatures('example.com', { numbering: { countryCode: '049' } }),
      ).rejects.toMatchObject({ field: 'numbering/countryCode' });
      await expect(
        store.features.updateDomainFeatures('example.com', {
          numbering: { countryCode: '49', nationalPrefix: '0', internationalPrefix: '0' },
        }),
      ).rejects.toThrow(/national and international prefixes are the same/);
      expect(await store.features.getDomainFeatures('example.com')).toBeUndefined();
      await expect(
        store.features.updateSubscriberFeatures('bob', 'example.com', { clir: true }),
      ).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.features.updateDomainFeatures('other.example', { clir: true })).rejects.toThrow(
        /domain other.example does not exist/,
      );
    });

    it('go with their subscriber and their domain', async () => {
      await store.features.updateSubscriberFeatures('alice', 'example.com', { clir: true });
      await store.features.updateDomainFeatures('example.com', { clir: false });
      await store.removeSubscriber('alice', 'example.com');
      expect(await harness.dump('subscriber_features')).toBe('');
      await store.removeDomain('example.com');
      expect(await harness.dump('domain_features')).toBe('');
    });
  });
}
