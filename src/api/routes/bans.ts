import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { AllowedSourceError, type Ban } from '../../edge/index.js';
import { SECURITY_REQUIREMENT } from '../auth.js';
import { ApiError } from '../errors.js';
import { errorResponses, ref } from '../schemas.js';

/** The node's ban table, as the API reads and changes it. */
export interface BanService {
  list(): Ban[];
  get(address: string): Ban | undefined;
  /** Ban `address` for `durationMs` (undefined: until lifted); throws AllowedSourceError for allowed ones. */
  add(address: string, durationMs: number | undefined): Ban;
  lift(address: string): boolean;
}

const addressParams = {
  type: 'object',
  additionalProperties: false,
  properties: { address: { type: 'string', minLength: 2, maxLength: 45 } },
  required: ['address'],
} as const;

/** /v1/bans: the sources the edge drops (issue 11), listed, added and lifted. */
export function banRoutes(bans: BanService | undefined) {
  return async (app: FastifyInstance): Promise<void> => {
    const security = SECURITY_REQUIREMENT;
    const service = (): BanService => {
      if (!bans) throw new ApiError(503, 'unavailable', 'this node runs no edge protection');
      return bans;
    };

    app.get(
      '/bans',
      {
        schema: {
          tags: ['edge'],
          security,
          summary: 'The banned source addresses, oldest first',
          response: { 200: { type: 'array', items: ref('Ban') }, ...errorResponses(401) },
        },
      },
      async () => (bans?.list() ?? []).map(banJson),
    );

    app.get<{ Params: { address: string } }>(
      '/bans/:address',
      {
        schema: {
          tags: ['edge'],
          security,
          summary: 'The ban of one address',
          params: addressParams,
          response: { 200: ref('Ban'), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const address = checkAddress(request.params.address, 'address');
        const found = bans?.get(address);
        if (!found) throw new ApiError(404, 'not-found', `${address} is not banned`);
        return banJson(found);
      },
    );

    app.post<{ Body: { address: string; duration?: number } }>(
      '/bans',
      {
        schema: {
          tags: ['edge'],
          security,
          summary: 'Ban an address: its packets are dropped unanswered',
          body: ref('AddBan'),
          response: { 201: ref('Ban'), ...errorResponses(400, 401, 409) },
        },
      },
      async (request, reply) => {
        const address = checkAddress(request.body.address, 'address');
        const seconds = request.body.duration ?? 0;
        try {
          const ban = service().add(address, seconds === 0 ? undefined : seconds * 1000);
          return reply.code(201).send(banJson(ban));
        } catch (e) {
          if (e instanceof AllowedSourceError) throw new ApiError(409, 'conflict', e.message, 'address');
          throw e;
        }
      },
    );

    app.delete<{ Params: { address: string } }>(
      '/bans/:address',
      {
        schema: {
          tags: ['edge'],
          security,
          summary: 'Lift the ban of an address',
          params: addressParams,
          response: { 204: { type: 'null', description: 'Lifted.' }, ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) => {
        const address = checkAddress(request.params.address, 'address');
        if (!service().lift(address)) throw new ApiError(404, 'not-found', `${address} is not banned`);
        return reply.code(204).send();
      },
    );
  };
}

/** An IP address as the edge sees sources (IPv6 lower case, no brackets). */
function checkAddress(text: string, field: string): string {
  const address = text
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (isIP(address) === 0)
    throw new ApiError(
      400,
      'invalid',
      `expected an IPv4 or IPv6 address, got ${JSON.stringify(text)}`,
      field,
    );
  return address;
}

function banJson(ban: Ban) {
  return {
    address: ban.address,
    reason: ban.reason,
    since: new Date(ban.since).toISOString(),
    until: ban.until === undefined ? null : new Date(ban.until).toISOString(),
    dropped: ban.dropped,
  };
}
