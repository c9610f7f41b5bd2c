import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/index.js';
import { type RunningNode, startNode } from '../../src/node.js';
import { SQLITE_FILE, SqliteProvisioningStore } from '../../src/store/index.js';
import { until } from '../support/until.js';

const WED_NOON = { day: 3, minute: 12 * 60 };

describe('a node provisioned through its API', () => {
  let dataDir: string;
  let store: SqliteProvisioningStore;
  let node: RunningNode;
  let key: string;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sb-trunks-api-'));
    store = await SqliteProvisioningStore.open(join(dataDir, SQLITE_FILE));
    key = (await store.apiKeys.createApiKey('tests')).key;
    const config = defaultConfig();
    config.dataDir = dataDir;
    config.sip.port = 0;
    config.sip.listen = ['127.0.0.1'];
    config.sip.transports = ['udp'];
    config.api.port = 0;
    // Polling is an hour away: what the test sees comes from the API write itself.
    config.trunks.reloadInterval = 3600;
    node = await startNode(config, pino({ level: 'silent' }), { store });
  });

  afterEach(async () => {
    await node.stop();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function post(path: string, body: unknown): Promise<number> {
    const response = await fetch(`http://127.0.0.1:${node.api!.port}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return response.status;
  }

  it('routes with a trunk, gateway and route written through the API at once, not at the next poll', async () => {
    const tables = node.services!.trunks.tables;
    expect(tables.current.lcr.size).toBe(0);
    expect(await post('/v1/trunks', { name: 'carrier-a', inboundCidrs: ['203.0.113.0/24'] })).toBe(201);
    expect(await post('/v1/trunks/carrier-a/gateways', { id: 'a1', uri: 'sip:203.0.113.5' })).toBe(201);
    expect(await post('/v1/routes', { id: 'uk', prefix: '44', trunk: 'carrier-a' })).toBe(201);
    await until(() => tables.current.lcr.size === 1, 2_000, 'the LCR table with the provisioned trunk');
    expect(tables.current.lcr.match('4420', WED_NOON).map((e) => e.id)).toEqual(['uk']);
    expect(tables.current.gateways.get('carrier-a')?.map((g) => g.id)).toEqual(['a1']);
    expect(tables.current.inbound.bySourceAddress('203.0.113.9')?.name).toBe('carrier-a');
    // A refused write changes nothing.
    expect(await post('/v1/routes', { prefix: '44', trunk: 'nowhere' })).toBe(404);
    expect(tables.current.lcr.size).toBe(1);
  });
});
