import type { FastifyInstance } from 'fastify';
import type { LiveCall } from '../../b2bua/index.js';
import { SECURITY_REQUIREMENT } from '../auth.js';
import { CALL_ID_PATTERN } from '../call-schemas.js';
import { ApiError } from '../errors.js';
import { errorResponses, ref } from '../schemas.js';

/** The calls the node's B2BUA holds, listed and hung up. */
export interface CallControl {
  list(): LiveCall[];
  get(id: string): LiveCall | undefined;
  /** BYE (or CANCEL and 480) on both legs with a Reason; the call as it stood, undefined if unknown. */
  hangUp(id: string): LiveCall | undefined;
}

const callParams = {
  type: 'object',
  additionalProperties: false,
  properties: { id: { type: 'string', maxLength: 36, pattern: CALL_ID_PATTERN } },
  required: ['id'],
} as const;

function liveCallJson(call: LiveCall): Record<string, unknown> {
  return {
    ...call,
    setupAt: new Date(call.setupAt).toISOString(),
    ...(call.ringingAt !== undefined ? { ringingAt: new Date(call.ringingAt).toISOString() } : {}),
    ...(call.answerAt !== undefined ? { answerAt: new Date(call.answerAt).toISOString() } : {}),
  };
}

/** /v1/calls: the calls in progress on this node's B2BUA (issue 9 item 8), and hang-up. */
export function callRoutes(calls: CallControl | undefined) {
  return async (app: FastifyInstance): Promise<void> => {
    const tags = ['calls'];
    const security = SECURITY_REQUIREMENT;
    const unknown = (id: string) =>
      new ApiError(
        404,
        'not-found',
        calls
          ? `no call ${id} in progress on this node (ended calls: GET /v1/cdrs/${id})`
          : `no call ${id}: this node's B2BUA is off (b2bua.mode off), it holds no calls`,
        'id',
      );

    app.get(
      '/calls',
      {
        schema: {
          tags,
          security,
          summary: 'Calls in progress on this node, oldest first, with their legs',
          response: { 200: { type: 'array', items: ref('LiveCall') }, ...errorResponses(401) },
        },
      },
      async () => (calls?.list() ?? []).map(liveCallJson),
    );

    app.get<{ Params: { id: string } }>(
      '/calls/:id',
      {
        schema: {
          tags,
          security,
          summary: 'One call in progress',
          params: callParams,
          response: { 200: ref('LiveCall'), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const call = calls?.get(request.params.id.toLowerCase());
        if (!call) throw unknown(request.params.id);
        return liveCallJson(call);
      },
    );

    app.delete<{ Params: { id: string } }>(
      '/calls/:id',
      {
        schema: {
          tags,
          security,
          summary: 'Hang up a call: BYE on both legs (CANCEL and 480 before the answer) with a Reason',
          description:
            'The legs are ended asynchronously: 202 returns the call as it stood. Its CDR says hangup `node` ' +
            'and keeps the Reason `SIP;cause=200;text="Call ended through the API"`.',
          params: callParams,
          response: { 202: ref('LiveCall'), ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) => {
        const call = calls?.hangUp(request.params.id.toLowerCase());
        if (!call) throw unknown(request.params.id);
        return reply.code(202).send(liveCallJson(call));
      },
    );
  };
}
