import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { type ApiServerOptions, createApiServer } from '../../../src/api/index.js';
import { createMetricsRegistry, type MetricsRegistry } from '../../../src/metrics/index.js';
import { FakeRecordings } from './fake-recordings.js';

export const KEY = 'sk_test_0123456789abcdef';
export const AUTH = { authorization: `Bearer ${KEY}` };

export interface Harness {
  app: FastifyInstance;
  recordings: FakeRecordings;
  metrics: MetricsRegistry;
  /** Every key the verifier was asked about. */
  verified: string[];
  /** The JSON log lines the server wrote. */
  logs: Record<string, unknown>[];
  /** An authenticated request. */
  call(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function harness(options: Partial<ApiServerOptions> = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-api-'));
  const recordings = new FakeRecordings(dir);
  const metrics = createMetricsRegistry({ defaultMetrics: false });
  const verified: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const app = createApiServer({
    recordings,
    metrics,
    logger,
    apiKeys: async (key) => {
      verified.push(key);
      return key === KEY ? { id: 'key-1', name: 'tests' } : undefined;
    },
    ...options,
  });
  return {
    app,
    recordings,
    metrics,
    verified,
    logs,
    call: (o) => app.inject({ ...o, headers: { ...AUTH, ...(o.headers ?? {}) } }),
    close: async () => {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The `{ error }` body of a response. */
export function errorOf(response: LightMyRequestResponse): { code: string; message: string; field?: string } {
  return (response.json() as { error: { code: string; message: string; field?: string } }).error;
}
