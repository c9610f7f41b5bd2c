import type { FastifyInstance } from 'fastify';
import type { MetricsRegistry } from '../../metrics/index.js';
import { type ApiKeyVerifier, requireApiKey, SECURITY_REQUIREMENT } from '../auth.js';
import { errorResponses, ref } from '../schemas.js';

export type MetricsEndpoint = 'open' | 'protected' | 'disabled';

export interface SystemRouteOptions {
  metrics: MetricsRegistry;
  metricsEndpoint: MetricsEndpoint;
  apiKeys: ApiKeyVerifier;
}

/** The routes outside /v1: liveness, metrics and the API's own description. */
export function systemRoutes(options: SystemRouteOptions) {
  const startedAt = Date.now();
  return async (app: FastifyInstance): Promise<void> => {
    app.get(
      '/health',
      {
        schema: {
          tags: ['system'],
          summary: 'Liveness: answers while the process serves requests',
          response: { 200: ref('Health') },
        },
      },
      async () => ({ status: 'ok' as const, uptimeSeconds: (Date.now() - startedAt) / 1000 }),
    );

    if (options.metricsEndpoint !== 'disabled') {
      const protect = options.metricsEndpoint === 'protected';
      app.get(
        '/metrics',
        {
          ...(protect ? { onRequest: requireApiKey(options.apiKeys) } : {}),
          schema: {
            tags: ['system'],
            summary: 'Prometheus metrics (text exposition format 0.0.4)',
            response: {
              200: { description: 'The metrics.', content: { 'text/plain': { schema: { type: 'string' } } } },
              ...(protect ? errorResponses(401) : {}),
            },
            ...(protect ? { security: SECURITY_REQUIREMENT } : {}),
          },
        },
        async (_request, reply) => {
          const text = await options.metrics.metrics();
          return reply.type(options.metrics.contentType).send(text);
        },
      );
    }

    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  };
}
