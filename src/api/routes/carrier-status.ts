import type { FastifyInstance } from 'fastify';
import type { GatewayHealthStatus } from '../../gateway-health/index.js';
import type { TrunkRegistrationStatus } from '../../trunk-registration/index.js';
import { SECURITY_REQUIREMENT } from '../auth.js';
import { ApiError } from '../errors.js';
import { errorResponses, ID_PATTERN, ref } from '../schemas.js';

/** What the node's gateway prober and trunk registrations show; absent parts list nothing. */
export interface CarrierStatus {
  gateways?: { list(): GatewayHealthStatus[]; status(id: string): GatewayHealthStatus | undefined };
  registrations?: {
    list(): TrunkRegistrationStatus[];
    get(trunk: string): TrunkRegistrationStatus | undefined;
  };
}

const nameParams = (name: string) =>
  ({
    type: 'object',
    additionalProperties: false,
    properties: { [name]: { type: 'string', minLength: 1, maxLength: 128, pattern: ID_PATTERN } },
    required: [name],
  }) as const;

/** Runtime state, read-only: /v1/gateway-health (OPTIONS probing), /v1/trunk-registrations. */
export function carrierStatusRoutes(status: CarrierStatus) {
  return async (app: FastifyInstance): Promise<void> => {
    const security = SECURITY_REQUIREMENT;

    app.get(
      '/gateway-health',
      {
        schema: {
          tags: ['gateways'],
          security,
          summary: 'The probing state of every probed gateway',
          response: { 200: { type: 'array', items: ref('GatewayHealth') }, ...errorResponses(401) },
        },
      },
      async () => (status.gateways?.list() ?? []).map(gatewayJson),
    );

    app.get<{ Params: { id: string } }>(
      '/gateway-health/:id',
      {
        schema: {
          tags: ['gateways'],
          security,
          summary: 'The probing state of one gateway',
          params: nameParams('id'),
          response: { 200: ref('GatewayHealth'), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const found = status.gateways?.status(request.params.id);
        if (!found) throw new ApiError(404, 'not-found', `gateway ${request.params.id} is not probed`);
        return gatewayJson(found);
      },
    );

    app.get(
      '/trunk-registrations',
      {
        schema: {
          tags: ['trunks'],
          security,
          summary: "The node's registration at each carrier that wants one",
          response: { 200: { type: 'array', items: ref('TrunkRegistration') }, ...errorResponses(401) },
        },
      },
      async () => (status.registrations?.list() ?? []).map(registrationJson),
    );

    app.get<{ Params: { trunk: string } }>(
      '/trunk-registrations/:trunk',
      {
        schema: {
          tags: ['trunks'],
          security,
          summary: "The node's registration for one trunk",
          params: nameParams('trunk'),
          response: { 200: ref('TrunkRegistration'), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const found = status.registrations?.get(request.params.trunk);
        if (!found)
          throw new ApiError(404, 'not-found', `trunk ${request.params.trunk} has no outbound registration`);
        return registrationJson(found);
      },
    );
  };
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function gatewayJson(s: GatewayHealthStatus) {
  return { ...s, since: iso(s.since), lastProbeAt: iso(s.lastProbeAt) };
}

function registrationJson(s: TrunkRegistrationStatus) {
  return {
    ...s,
    expiresAt: iso(s.expiresAt),
    registeredAt: iso(s.registeredAt),
    nextAttemptAt: iso(s.nextAttemptAt),
  };
}
