import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessEventBus } from '../../../src/events/index.js';
import { RtpPortRange } from '../../../src/media/udp/index.js';
import { createMetricsRegistry } from '../../../src/metrics/index.js';
import { RecordingManager, recordingMetrics } from '../../../src/recording/index.js';
import { openStore, type SqlProvisioningStore } from '../../../src/store/index.js';

const DAY = 24 * 3_600_000;

describe('RecordingManager retention and deletion', () => {
  let dir: string;
  let store: SqlProvisioningStore;
  let manager: RecordingManager;

  async function setUp(retentionDays: number): Promise<void> {
    dir = mkdtempSync(join(tmpdir(), 'sb-retention-'));
    store = await openStore({ dataDir: dir });
    manager = new RecordingManager({
      index: store.recordings,
      directory: join(dir, 'recordings'),
      address: '127.0.0.1',
      ports: new RtpPortRange({ min: 47900, max: 47999, address: '127.0.0.1' }),
      mediaServer: '127.0.0.1:9',
      mediaTimeoutMs: 1000,
      retentionDays,
      stream: { batchPackets: 10, batchIntervalMs: 100 },
      events: new InProcessEventBus(),
      metrics: recordingMetrics(createMetricsRegistry({ defaultMetrics: false })),
      logger: pino({ level: 'silent' }),
    });
  }

  async function finished(id: string, startedAt: Date): Promise<string> {
    const folder = join(dir, 'recordings', id);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'mixed.wav'), 'RIFF');
    const doc = {
      id,
      callId: `call-${id}`,
      source: 'siprec',
      status: 'stopped',
      startedAt: startedAt.toISOString(),
      legs: [{ index: 0, label: '1', payloadTypes: {} }],
      stored: true,
    };
    await store.recordings.saveRecording({
      id,
      callId: doc.callId,
      source: 'siprec',
      status: 'stopped',
      startedAt,
      stored: true,
      directory: folder,
      document: JSON.stringify(doc),
    });
    return folder;
  }

  afterEach(async () => {
    await manager?.close();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('deletes finished recordings older than the retention, with their files', async () => {
    await setUp(30);
    const now = new Date(Date.UTC(2026, 10, 24));
    const old = await finished('0b3c4f1e-0000-4000-8000-000000000001', new Date(now.getTime() - 31 * DAY));
    const recent = await finished('0b3c4f1e-0000-4000-8000-000000000002', new Date(now.getTime() - 29 * DAY));
    expect(await manager.applyRetention(now)).toBe(1);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect((await manager.list()).map((r) => r.id)).toEqual(['0b3c4f1e-0000-4000-8000-000000000002']);
  });

  it('keeps everything with a retention of 0, and deletes on request', async () => {
    await setUp(0);
    const folder = await finished('0b3c4f1e-0000-4000-8000-000000000003', new Date(0));
    expect(await manager.applyRetention()).toBe(0);
    expect((await manager.file('0b3c4f1e-0000-4000-8000-000000000003', 'mixed'))?.bytes).toBe(4);
    expect(await manager.file('0b3c4f1e-0000-4000-8000-000000000003', 'leg-wav', 5)).toBeUndefined();
    expect(await manager.delete('0b3c4f1e-0000-4000-8000-000000000003')).toBe(true);
    expect(existsSync(folder)).toBe(false);
    expect(await manager.delete('0b3c4f1e-0000-4000-8000-000000000003')).toBe(false);
    await expect(manager.stop('0b3c4f1e-0000-4000-8000-000000000003')).rejects.toMatchObject({
      code: 'not-found',
    });
    await expect(manager.delete('../../etc')).resolves.toBe(false);
  });
});
