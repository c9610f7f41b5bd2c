import type { FastifyInstance } from 'fastify';
import {
  CDR_DISPOSITIONS,
  type Cdr,
  type CdrDisposition,
  type CdrFilter,
  type CdrRepository,
  InvalidInputError,
} from '../../store/index.js';
import { SECURITY_REQUIREMENT } from '../auth.js';
import { ApiError } from '../errors.js';
import { errorResponses, idParamsSchema, ref } from '../schemas.js';

interface CdrQuery {
  from?: string;
  to?: string;
  caller?: string;
  callee?: string;
  trunk?: string;
  disposition?: CdrDisposition;
  limit: number;
  after?: string;
}

const cdrQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { type: 'string', format: 'date-time', description: 'Calls set up at or after this time.' },
    to: { type: 'string', format: 'date-time', description: 'Calls set up before this time.' },
    caller: { type: 'string', maxLength: 512 },
    callee: { type: 'string', maxLength: 512 },
    trunk: { type: 'string', maxLength: 128 },
    disposition: { type: 'string', enum: CDR_DISPOSITIONS },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    after: { type: 'string', maxLength: 1024, description: 'The `next` cursor of the previous page.' },
  },
} as const;

export function cdrJson(cdr: Cdr): Record<string, unknown> {
  return {
    ...cdr,
    setupAt: cdr.setupAt.toISOString(),
    endAt: cdr.endAt.toISOString(),
    ...(cdr.ringingAt ? { ringingAt: cdr.ringingAt.toISOString() } : {}),
    ...(cdr.answerAt ? { answerAt: cdr.answerAt.toISOString() } : {}),
  };
}

/** /v1/cdrs: the call detail records of the B2BUA's calls, newest first, filtered, paged by cursor. */
export function cdrRoutes(cdrs: Pick<CdrRepository, 'listCdrs' | 'getCdr'>) {
  return async (app: FastifyInstance): Promise<void> => {
    const tags = ['cdrs'];
    const security = SECURITY_REQUIREMENT;

    app.get<{ Querystring: CdrQuery }>(
      '/cdrs',
      {
        schema: {
          tags,
          security,
          summary: 'Call detail records, newest first, filtered and paged',
          querystring: cdrQuerySchema,
          response: { 200: ref('CdrPage'), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const { from, to, limit, ...rest } = request.query;
        const filter: CdrFilter = { limit, ...rest };
        if (from) filter.from = new Date(from);
        if (to) filter.to = new Date(to);
        try {
          const page = await cdrs.listCdrs(filter);
          return { cdrs: page.cdrs.map(cdrJson), ...(page.next ? { next: page.next } : {}) };
        } catch (e) {
          if (e instanceof InvalidInputError)
            throw new ApiError(400, 'invalid', `querystring/${e.message}`, 'after');
          throw e;
        }
      },
    );

    app.get<{ Params: { id: string } }>(
      '/cdrs/:id',
      {
        schema: {
          tags,
          security,
          summary: 'One call detail record',
          params: idParamsSchema,
          response: { 200: ref('Cdr'), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const cdr = await cdrs.getCdr(request.params.id);
        if (!cdr) throw new ApiError(404, 'not-found', `no cdr ${request.params.id}`);
        return cdrJson(cdr);
      },
    );
  };
}
