import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type StoredBinding } from '../../../src/store/index.js';
import { cells, StoreCli } from './store-cli.js';

describe('switchboard registrations', () => {
  let cli: StoreCli;
  beforeEach(() => {
    cli = new StoreCli();
  });
  afterEach(() => cli.cleanup());

  async function save(...bindings: StoredBinding[]) {
    const store = await openStore({ dataDir: cli.dir });
    for (const b of bindings) await store.saveBinding(b);
    await store.close();
  }

  const base: StoredBinding = {
    aor: 'sip:alice@example.com',
    contact: '<sip:alice@192.0.2.10:5060>',
    expiresAt: new Date(Date.now() + 3600_000),
    q: 1,
    callId: 'c1',
    cseq: 1,
    source: { protocol: 'UDP', address: '203.0.113.7', port: 40112 },
    path: [],
    userAgent: 'Linphone/5.2',
  };

  it('shows the stored bindings as a table and as JSON', async () => {
    await save(base, {
      ...base,
      aor: 'sip:bob@example.com',
      contact: '<sip:bob@[2001:db8::1]:5062;transport=tcp>',
      source: { protocol: 'tcp', address: '2001:db8::1', port: 5062 },
      expiresAt: new Date(Date.now() + 60_000),
      userAgent: undefined,
    });
    const table = cells(await cli.ok('registrations'));
    expect(table[0]).toEqual(['AOR', 'CONTACT', 'SOURCE', 'EXPIRES IN', 'USER AGENT']);
    expect(table[1]).toEqual([
      'sip:alice@example.com',
      '<sip:alice@192.0.2.10:5060>',
      'udp:203.0.113.7:40112',
      expect.stringMatching(/^(3600|3599)s$/),
      'Linphone/5.2',
    ]);
    expect(table[2]!.slice(0, 3)).toEqual([
      'sip:bob@example.com',
      '<sip:bob@[2001:db8::1]:5062;transport=tcp>',
      'tcp:[2001:db8::1]:5062',
    ]);
    const json = JSON.parse(await cli.ok('registrations', '--json', '--aor', 'sip:bob@example.com'));
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ aor: 'sip:bob@example.com', source: { protocol: 'tcp', port: 5062 } });
    expect(json[0].expiresIn).toBeGreaterThan(55);
  });

  it('hides expired bindings unless --all', async () => {
    await save({ ...base, expiresAt: new Date(Date.now() - 5000) });
    expect(await cli.ok('registrations')).toBe('no registrations\n');
    expect(cells(await cli.ok('registrations', '--all'))[1]![3]).toBe('expired');
  });
});
