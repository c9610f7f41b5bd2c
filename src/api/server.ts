import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { MetricsRegistry } from '../metrics/index.js';
import type { RecordingService } from '../recording/types.js';
import type { CallPolicyRepository, CdrRepository } from '../store/index.js';
import { type ApiKeyVerifier, requireApiKey, SECURITY_SCHEMES } from './auth.js';
import { ApiError, fromClientError, fromRecordingError, isRecordingError } from './errors.js';
import { instrumentHttp } from './http-metrics.js';
import { type BanService, banRoutes } from './routes/bans.js';
import { callPolicyRoutes } from './routes/call-policies.js';
import { type CallControl, callRoutes } from './routes/calls.js';
import { type CarrierStatus, carrierStatusRoutes } from './routes/carrier-status.js';
import { cdrRoutes } from './routes/cdrs.js';
import { type FeatureProvisioning, featureRoutes } from './routes/features.js';
import { policyRoutes } from './routes/policies.js';
import { recordingRoutes } from './routes/recordings.js';
import { type MetricsEndpoint, systemRoutes } from './routes/system.js';
import { type TrunkProvisioning, trunkRoutes } from './routes/trunks.js';
import { SHARED_SCHEMAS } from './schemas.js';
import { createValidatorCompiler, fromValidationErrors } from './validation.js';

export interface ApiServerOptions {
  recordings: RecordingService;
  apiKeys: ApiKeyVerifier;
  /** Call features of subscribers and domains (/v1/subscribers/…/features, /v1/domains/…/features). */
  features?: FeatureProvisioning;
  metrics: MetricsRegistry;
  /** Request and error logs; none when absent. */
  logger?: Logger;
  /**
   * GET /metrics on the API port: `open` (the default: Prometheus scrapes without a key, as is
   * usual inside a private network), `protected` (needs an API key like /v1), or `disabled` (serve
   * `metrics.registry` elsewhere, e.g. on a separate metrics port).
   */
  metricsEndpoint?: MetricsEndpoint;
  /** Largest request body in bytes; 64 KiB by default (the API takes small JSON documents only). */
  bodyLimit?: number;
  /** Trust X-Forwarded-* from a reverse proxy in front (Fastify's trustProxy); false by default. */
  trustProxy?: boolean | string | string[];
  /** `info.version` of the OpenAPI document. */
  version?: string;
  /** Trunks, their gateways and least-cost routes (/v1/trunks, /v1/routes). */
  trunks?: TrunkProvisioning;
  /** Gateway probing and trunk registration states (/v1/gateway-health, /v1/trunk-registrations). */
  carrierStatus?: CarrierStatus;
  /** The edge's bans (/v1/bans). */
  bans?: BanService;
  /** The B2BUA's calls in progress (/v1/calls); absent when it is off (the list is empty). */
  calls?: CallControl;
  /** Call detail records (/v1/cdrs). */
  cdrs?: Pick<CdrRepository, 'listCdrs' | 'getCdr'>;
  /** Call policies of subscribers, domains and trunks (the B2BUA's). */
  callPolicies?: CallPolicyRepository;
}

/**
 * The HTTP API, ready to `listen` (the caller picks address and port) or to `inject` in tests.
 * Unauthenticated: /health, /openapi.json and (by default) /metrics; everything under /v1 needs
 * an API key. Every error is `{ error: { code, message, field? } }`.
 */
export function createApiServer(options: ApiServerOptions): FastifyInstance {
  // Typed as Fastify's logger so that the instance is a plain FastifyInstance.
  const loggerInstance: FastifyBaseLogger | undefined = options.logger;
  const app = Fastify({
    ...(loggerInstance ? { loggerInstance } : { logger: false }),
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    trustProxy: options.trustProxy ?? false,
    // Ids in paths are bounded by schema; this bounds what the router itself must look at.
    routerOptions: { maxParamLength: 512 },
  });

  // The API speaks JSON only: anything else is 415 rather than a string the schema then refuses.
  app.removeContentTypeParser('text/plain');
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  app.setValidatorCompiler(createValidatorCompiler(SHARED_SCHEMAS));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = toApiError(error);
    if (apiError) return reply.code(apiError.status).send(apiError.body());
    // Anything unforeseen is a bug or an outage: log it whole, tell the client nothing of it.
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: { code: 'internal', message: 'internal server error' } });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    reply.code(404).send(new ApiError(404, 'not-found', `no route ${request.method} ${path}`).body());
  });

  instrumentHttp(app, options.metrics);

  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Switchboard API',
        version: options.version ?? '0.1.0',
        description:
          'Recordings, recording policies, call features, trunks, gateways, least-cost routes, calls in progress and call detail records of a Switchboard node.',
      },
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    // Shared schemas keep their $id as their name under components.schemas.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });

  app.register(
    systemRoutes({
      metrics: options.metrics,
      metricsEndpoint: options.metricsEndpoint ?? 'open',
      apiKeys: options.apiKeys,
    }),
  );
  app.register(
    async (v1) => {
      v1.addHook('onRequest', requireApiKey(options.apiKeys));
      await v1.register(recordingRoutes(options.recordings));
      await v1.register(policyRoutes(options.recordings));
      if (options.features) await v1.register(featureRoutes(options.features));
      await v1.register(carrierStatusRoutes(options.carrierStatus ?? {}));
      await v1.register(banRoutes(options.bans));
      if (options.trunks) await v1.register(trunkRoutes(options.trunks));
      if (options.cdrs) await v1.register(cdrRoutes(options.cdrs));
      await v1.register(callRoutes(options.calls));
      if (options.callPolicies) await v1.register(callPolicyRoutes(options.callPolicies));
    },
    { prefix: '/v1' },
  );
  return app;
}

function toApiError(error: FastifyError): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (isRecordingError(error)) return fromRecordingError(error);
  if (error.validation) return fromValidationErrors(error.validation, error.validationContext);
  // Fastify's own 4xx (bad JSON, body too large, unsupported Content-Type) are the client's doing;
  // a statusCode on anyone else's error is not trusted, lest its message leak.
  const status = error.statusCode;
  const fastifys = typeof error.code === 'string' && error.code.startsWith('FST_');
  if (fastifys && typeof status === 'number' && status >= 400 && status < 500) {
    return fromClientError(status, error.message);
  }
  return undefined;
}
