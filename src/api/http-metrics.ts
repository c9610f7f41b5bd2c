import type { FastifyInstance } from 'fastify';
import type { MetricsRegistry } from '../metrics/index.js';

/** Route label for requests that matched no route, so scanners cannot mint new series. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Counts API requests and times them by method, route pattern (`/v1/recordings/:id`, never the
 * raw URL, whose ids would make one series per recording) and status code.
 */
export function instrumentHttp(app: FastifyInstance, metrics: MetricsRegistry): void {
  const labelNames = ['method', 'route', 'status_code'] as const;
  const requests = metrics.counter({
    name: 'http_requests_total',
    help: 'HTTP API requests answered, by method, route pattern and status code.',
    labelNames,
  });
  const duration = metrics.histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving an HTTP API request to finishing its response, in seconds.',
    labelNames,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? UNMATCHED_ROUTE,
      status_code: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
}
