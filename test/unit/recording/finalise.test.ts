import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InProcessEventBus, type RecordingEvent } from '../../../src/events/index.js';
import { LegReceiver, RtpPortRange } from '../../../src/media/udp/index.js';
import { createMetricsRegistry, type MetricsRegistry } from '../../../src/metrics/index.js';
import { RecordingManager, recordingMetrics } from '../../../src/recording/index.js';
import { RecordingSession } from '../../../src/recording/session/recording-session.js';
import { openStore, type SqlProvisioningStore } from '../../../src/store/index.js';

const offer =
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
  'm=audio 9000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=label:1\r\na=sendonly\r\n';

describe('RecordingManager: finishing a recording', () => {
  let dir: string;
  let store: SqlProvisioningStore;
  let manager: RecordingManager;
  let metrics: MetricsRegistry;
  const events: RecordingEvent[] = [];
  const logs: Array<{ level: number; msg: string; failure?: string }> = [];

  async function setUp(): Promise<void> {
    dir = mkdtempSync(join(tmpdir(), 'sb-finalise-'));
    store = await openStore({ dataDir: dir });
    metrics = createMetricsRegistry({ defaultMetrics: false });
    const bus = new InProcessEventBus();
    bus.subscribe('recording.*', (e) => events.push(e));
    manager = new RecordingManager({
      index: store.recordings,
      directory: join(dir, 'recordings'),
      address: '127.0.0.1',
      ports: new RtpPortRange({ min: 47800, max: 47899, address: '127.0.0.1' }),
      mediaServer: '127.0.0.1:9',
      mediaTimeoutMs: 60_000,
      retentionDays: 0,
      stream: { batchPackets: 10, batchIntervalMs: 100 },
      events: bus,
      metrics: recordingMetrics(metrics),
      logger: pino({ level: 'warn' }, { write: (line: string) => logs.push(JSON.parse(line)) }),
    });
  }

  const start = () => manager.startSignalled({ callId: 'c1', source: 'siprec', offer, store: true });
  const metric = async (name: string) =>
    Number(new RegExp(`^switchboard_${name} (\\S+)$`, 'm').exec(await metrics.metrics())?.[1]);

  afterEach(async () => {
    vi.restoreAllMocks();
    events.length = 0;
    logs.length = 0;
    await manager?.close();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('publishes recording.stopped before stop resolves, and times the finish', async () => {
    await setUp();
    const { id } = await start();
    const stopping = manager.stop(id, 'bye');
    expect(events.map((e) => e.type)).toEqual(['recording.started']);
    const summary = await stopping;
    expect(summary.status).toBe('stopped');
    expect(events.map((e) => e.type)).toEqual(['recording.started', 'recording.stopped']);
    expect(await metric('recording_finalise_duration_seconds_count')).toBe(1);
    expect(await metric('recording_finalise_errors_total')).toBe(0);
  });

  it('ends a recording whose finish throws as failed, logged and counted, not left active', async () => {
    await setUp();
    const { id } = await start();
    vi.spyOn(RecordingSession.prototype, 'finish').mockRejectedValueOnce(new Error('disk gone'));
    const summary = await manager.stop(id, 'bye');
    expect(summary).toMatchObject({ status: 'failed', failure: 'finalisation failed: disk gone' });
    expect(manager.activeCount).toBe(0);
    expect(events.at(-1)).toMatchObject({ type: 'recording.failed', recordingId: id, reason: 'bye' });
    expect((await manager.get(id))?.status).toBe('failed');
    expect(await metric('recording_finalise_errors_total')).toBe(1);
    expect(await metric('recordings_ended_total{status="failed"}')).toBe(1);
    expect(logs.map((l) => l.msg)).toEqual(['recording finalisation failed', 'recording failed']);
  });

  it('completes the files when a receiver fails to close, and says which leg failed', async () => {
    await setUp();
    const { id } = await start();
    const close = LegReceiver.prototype.close;
    vi.spyOn(LegReceiver.prototype, 'close').mockImplementationOnce(async function (this: LegReceiver) {
      await close.call(this);
      throw new Error('port release failed');
    });
    const summary = await manager.stop(id, 'bye');
    expect(summary).toMatchObject({
      status: 'failed',
      failure: 'leg 0 receiver close failed: port release failed',
    });
    const folder = join(dir, 'recordings', id);
    expect(readdirSync(folder).filter((f) => f.endsWith('.wav')).length).toBeGreaterThan(0);
    expect(existsSync(join(folder, 'metadata.json'))).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'recording.failed', recordingId: id });
    expect(await metric('recording_finalise_errors_total')).toBe(0);
  });
});
