import type { FastifyInstance } from 'fastify';
import type { RecordingService } from '../../recording/types.js';
import { SECURITY_REQUIREMENT } from '../auth.js';
import { ApiError } from '../errors.js';
import { errorResponses, ref, subscriberParamsSchema } from '../schemas.js';

interface SubscriberParams {
  subscriber: string;
}

/** /v1/recording-policies: "record every call of this subscriber". */
export function policyRoutes(recordings: RecordingService) {
  return async (app: FastifyInstance): Promise<void> => {
    const tags = ['recording policies'];
    const security = SECURITY_REQUIREMENT;

    app.get(
      '/recording-policies',
      {
        schema: {
          tags,
          security,
          summary: 'Every recording policy',
          response: { 200: { type: 'array', items: ref('RecordingPolicy') }, ...errorResponses(401) },
        },
      },
      async () => recordings.listPolicies(),
    );

    app.put<{ Params: SubscriberParams; Body: { store: boolean; streamUrl?: string } }>(
      '/recording-policies/:subscriber',
      {
        schema: {
          tags,
          security,
          summary: "Record every call of a subscriber (creates or replaces the subscriber's policy)",
          params: subscriberParamsSchema,
          body: ref('RecordingPolicyRequest'),
          response: {
            200: { ...ref('RecordingPolicy'), description: 'Replaced.' },
            201: { ...ref('RecordingPolicy'), description: 'Created.' },
            ...errorResponses(400, 401, 503),
          },
        },
      },
      async (request, reply) => {
        const { subscriber } = request.params;
        const { store, streamUrl } = request.body;
        if (!store && !streamUrl) {
          throw new ApiError(400, 'invalid', 'body/streamUrl is required when store is false', 'streamUrl');
        }
        // The service's put does not say whether it created; a look first tells 201 from 200.
        const existed = (await recordings.listPolicies()).some((p) => p.subscriber === subscriber);
        const policy = await recordings.putPolicy({ subscriber, store, ...(streamUrl ? { streamUrl } : {}) });
        reply.code(existed ? 200 : 201);
        return policy;
      },
    );

    app.delete<{ Params: SubscriberParams }>(
      '/recording-policies/:subscriber',
      {
        schema: {
          tags,
          security,
          summary: "Stop recording a subscriber's calls",
          params: subscriberParamsSchema,
          response: { 204: { description: 'Deleted.', type: 'null' }, ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) => {
        const deleted = await recordings.deletePolicy(request.params.subscriber);
        if (!deleted)
          throw new ApiError(404, 'not-found', `no recording policy for ${request.params.subscriber}`);
        return reply.code(204).send();
      },
    );
  };
}
