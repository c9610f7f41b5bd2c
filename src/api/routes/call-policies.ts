import type { FastifyInstance } from 'fastify';
import {
  CALL_POLICY_SCOPES,
  type CallPolicy,
  type CallPolicyRepository,
  type CallPolicyScope,
  InvalidInputError,
  NotFoundError,
  type StoredCallPolicy,
} from '../../store/index.js';
import { SECURITY_REQUIREMENT } from '../auth.js';
import { ApiError } from '../errors.js';
import { domainParamsSchema, errorResponses, ref, subscriberParamsSchema } from '../schemas.js';

const TRUNK_NAME = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
const trunkParamsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { name: { type: 'string', pattern: TRUNK_NAME } },
  required: ['name'],
} as const;

function view(stored: StoredCallPolicy) {
  return { ...stored, updatedAt: stored.updatedAt.toISOString() };
}

/** The store's refusals as API errors: a missing party 404, a bad setting 400 naming body/<field>. */
async function fromStore<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof NotFoundError) throw new ApiError(404, 'not-found', e.message);
    if (e instanceof InvalidInputError) {
      const field = e.field;
      throw new ApiError(400, 'invalid', field ? `body/${e.message}` : e.message, field);
    }
    throw e;
  }
}

/**
 * Call policies (docs/b2bua-policy.md): /v1/subscribers/{aor}/call-policy,
 * /v1/domains/{name}/call-policy and /v1/trunks/{name}/call-policy (GET, PUT replaces the whole
 * policy, DELETE goes back to inheriting everything), and /v1/call-policies to list them.
 * The B2BUA reads them for each new call: a change applies to the next call.
 */
export function callPolicyRoutes(policies: CallPolicyRepository) {
  return async (app: FastifyInstance): Promise<void> => {
    const tags = ['call policies'];
    const security = SECURITY_REQUIREMENT;

    app.get<{ Querystring: { scope?: CallPolicyScope } }>(
      '/call-policies',
      {
        schema: {
          tags,
          security,
          summary: 'Every call policy, or those of one scope',
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { scope: { type: 'string', enum: CALL_POLICY_SCOPES } },
          },
          response: { 200: { type: 'array', items: ref('StoredCallPolicy') }, ...errorResponses(400, 401) },
        },
      },
      async (request) => (await policies.listCallPolicies(request.query.scope)).map(view),
    );

    const resource = (
      scope: CallPolicyScope,
      path: string,
      params: object,
      nameOf: (params: Record<string, string>) => string,
      who: string,
    ) => {
      app.get<{ Params: Record<string, string> }>(
        path,
        {
          schema: {
            tags,
            security,
            summary: `The call policy of a ${who}`,
            params,
            response: { 200: ref('StoredCallPolicy'), ...errorResponses(400, 401, 404) },
          },
        },
        async (request) => {
          const name = nameOf(request.params);
          const stored = await fromStore(() => policies.getCallPolicy(scope, name));
          if (!stored)
            throw new ApiError(404, 'not-found', `${scope} ${name} has no call policy (it inherits)`);
          return view(stored);
        },
      );
      app.put<{ Params: Record<string, string>; Body: CallPolicy }>(
        path,
        {
          schema: {
            tags,
            security,
            summary: `Set the call policy of a ${who} (replaces it whole: what is left out inherits)`,
            params,
            body: ref('CallPolicy'),
            response: { 200: ref('StoredCallPolicy'), ...errorResponses(400, 401, 404) },
          },
        },
        async (request) =>
          view(await fromStore(() => policies.putCallPolicy(scope, nameOf(request.params), request.body))),
      );
      app.delete<{ Params: Record<string, string> }>(
        path,
        {
          schema: {
            tags,
            security,
            summary: `Remove the call policy of a ${who} (everything inherits again)`,
            params,
            response: { 204: { description: 'Removed.', type: 'null' }, ...errorResponses(400, 401, 404) },
          },
        },
        async (request, reply) => {
          const name = nameOf(request.params);
          if (!(await fromStore(() => policies.removeCallPolicy(scope, name))))
            throw new ApiError(404, 'not-found', `${scope} ${name} has no call policy`);
          return reply.code(204).send();
        },
      );
    };
    resource(
      'subscriber',
      '/subscribers/:subscriber/call-policy',
      subscriberParamsSchema,
      (p) => p['subscriber']!,
      'subscriber',
    );
    resource('domain', '/domains/:name/call-policy', domainParamsSchema, (p) => p['name']!, 'domain');
    resource('trunk', '/trunks/:name/call-policy', trunkParamsSchema, (p) => p['name']!, 'trunk');
  };
}
