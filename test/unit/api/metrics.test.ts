import { afterEach, describe, expect, test } from 'vitest';
import { createMetricsRegistry } from '../../../src/metrics/index.js';
import { type Harness, harness } from './harness.js';

describe('createMetricsRegistry', () => {
  test('defines metrics once by name, prefixed, on its own registry', async () => {
    const metrics = createMetricsRegistry({ defaultMetrics: false });
    const a = metrics.counter({ name: 'calls_total', help: 'Calls.', labelNames: ['result'] });
    const b = metrics.counter({ name: 'calls_total', help: 'Calls.', labelNames: ['result'] });
    expect(b).toBe(a);
    a.inc({ result: 'ok' });
    b.inc({ result: 'ok' }, 2);
    metrics.gauge({ name: 'active_calls', help: 'Active.' }).set(4);
    metrics.histogram({ name: 'setup_seconds', help: 'Setup.', buckets: [0.1, 1] }).observe(0.5);
    const text = await metrics.metrics();
    expect(text).toContain('switchboard_calls_total{result="ok"} 3');
    expect(text).toContain('switchboard_active_calls 4');
    expect(text).toContain('switchboard_setup_seconds_bucket{le="1"} 1');
    expect(metrics.registry.getSingleMetric('switchboard_calls_total')).toBe(a);
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    // Two registries never share series (the global prom-client registry is untouched).
    const other = createMetricsRegistry({ defaultMetrics: false });
    expect(await other.metrics()).not.toContain('calls_total');
  });

  test('redefining a name as another kind or with other labels is a programming error', () => {
    const metrics = createMetricsRegistry({ defaultMetrics: false, prefix: 'x_' });
    metrics.counter({ name: 'n', help: 'n', labelNames: ['a', 'b'] });
    expect(metrics.counter({ name: 'n', help: 'n', labelNames: ['b', 'a'] })).toBeDefined();
    expect(() => metrics.gauge({ name: 'n', help: 'n', labelNames: ['a', 'b'] })).toThrow(TypeError);
    expect(() => metrics.counter({ name: 'n', help: 'n', labelNames: ['a'] })).toThrow(
      /x_n is already defined/,
    );
  });

  test('collects the Node process metrics with the switchboard_ prefix by default', async () => {
    const text = await createMetricsRegistry().metrics();
    expect(text).toContain('switchboard_process_cpu_user_seconds_total');
    expect(text).toContain('switchboard_nodejs_eventloop_lag_seconds');
    expect(text).toMatch(/^switchboard_process_resident_memory_bytes \d+/m);
  });
});

describe('GET /metrics', () => {
  let h: Harness;
  afterEach(() => h.close());

  test('serves Prometheus text with request counts and durations by route pattern', async () => {
    h = await harness();
    await h.recordings.start({ callId: 'a' });
    await h.call({ url: '/v1/recordings/rec-1' });
    await h.call({ url: '/v1/recordings/rec-2' });
    await h.call({ url: '/v1/recordings/rec-3' });
    await h.app.inject({ url: '/v1/recordings' });
    await h.app.inject({ url: '/wp-admin/setup.php' });
    const response = await h.app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = response.body;
    expect(text).toContain('# TYPE switchboard_http_requests_total counter');
    expect(text).toContain(
      'switchboard_http_requests_total{method="GET",route="/v1/recordings/:id",status_code="200"} 1',
    );
    expect(text).toContain(
      'switchboard_http_requests_total{method="GET",route="/v1/recordings/:id",status_code="404"} 2',
    );
    expect(text).toContain(
      'switchboard_http_requests_total{method="GET",route="/v1/recordings",status_code="401"} 1',
    );
    expect(text).toContain(
      'switchboard_http_requests_total{method="GET",route="unmatched",status_code="404"} 1',
    );
    expect(text).toContain('# TYPE switchboard_http_request_duration_seconds histogram');
    expect(text).toMatch(
      /^switchboard_http_request_duration_seconds_count\{method="GET",route="\/v1\/recordings\/:id",status_code="404"\} 2$/m,
    );
    // The raw URLs never become labels.
    expect(text).not.toContain('rec-2');
    expect(text).not.toContain('wp-admin');
  });

  test('metrics the lead adds through the same registry appear beside the HTTP ones', async () => {
    h = await harness();
    h.metrics.gauge({ name: 'recordings_active', help: 'Recordings in progress.' }).set(2);
    const text = (await h.app.inject({ url: '/metrics' })).body;
    expect(text).toContain('switchboard_recordings_active 2');
  });
});
