import type { FastifyInstance } from 'fastify';
import {
  ConflictError,
  type GatewayChanges,
  InvalidInputError,
  type NewGateway,
  type NewRoute,
  type NewTrunk,
  NotFoundError,
  type RouteChanges,
  StoreError,
  type TrunkChanges,
  type TrunkRepository,
  withoutSecrets,
} from '../../store/index.js';
import { SECURITY_REQUIREMENT } from '../auth.js';
import { ApiError } from '../errors.js';
import { errorResponses, ref } from '../schemas.js';

/** What the trunk resources need: the store, and who to tell after a write (the node's tables). */
export interface TrunkProvisioning {
  trunks: TrunkRepository;
  /** Called after every successful write: the node reloads its routing tables at once. */
  onChange?: () => void;
}

const NAME = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
const params = (...names: string[]) =>
  ({
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(names.map((n) => [n, { type: 'string', pattern: NAME }])),
    required: names,
  }) as const;

interface NameParams {
  name: string;
}
interface GatewayParams {
  name: string;
  id: string;
}
interface IdParams {
  id: string;
}

/**
 * /v1/trunks, /v1/trunks/{name}/gateways, /v1/routes: trunks (carriers and peers), their
 * gateways, and least-cost routes. POST adds, PATCH changes the fields it names (null clears an
 * optional one), DELETE removes. Passwords are never returned (***).
 */
export function trunkRoutes(provisioning: TrunkProvisioning) {
  const store = provisioning.trunks;
  const changed = () => provisioning.onChange?.();
  return async (app: FastifyInstance): Promise<void> => {
    const security = SECURITY_REQUIREMENT;
    const trunkTags = ['trunks'];

    app.get(
      '/trunks',
      {
        schema: {
          tags: trunkTags,
          security,
          summary: 'The trunks',
          response: { 200: { type: 'array', items: ref('Trunk') }, ...errorResponses(401) },
        },
      },
      async () => (await store.listTrunks()).map(trunkJson),
    );

    app.post<{ Body: NewTrunk }>(
      '/trunks',
      {
        schema: {
          tags: trunkTags,
          security,
          summary: 'Add a trunk',
          body: ref('NewTrunk'),
          response: { 201: ref('Trunk'), ...errorResponses(400, 401, 409) },
        },
      },
      async (request, reply) => {
        const added = await fromStore(() => store.addTrunk(request.body));
        changed();
        return reply.code(201).send(trunkJson(added));
      },
    );

    app.get<{ Params: NameParams }>(
      '/trunks/:name',
      {
        schema: {
          tags: trunkTags,
          security,
          summary: 'A trunk',
          params: params('name'),
          response: { 200: ref('Trunk'), ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        const found = await store.getTrunk(request.params.name);
        if (!found) throw new ApiError(404, 'not-found', `trunk ${request.params.name} does not exist`);
        return trunkJson(found);
      },
    );

    app.patch<{ Params: NameParams; Body: TrunkChanges }>(
      '/trunks/:name',
      {
        schema: {
          tags: trunkTags,
          security,
          summary: "Change a trunk's settings (null clears an optional one)",
          params: params('name'),
          body: ref('TrunkChanges'),
          response: { 200: ref('Trunk'), ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request) => {
        const updated = await fromStore(() => store.updateTrunk(request.params.name, request.body));
        changed();
        return trunkJson(updated);
      },
    );

    app.delete<{ Params: NameParams; Querystring: { force?: boolean } }>(
      '/trunks/:name',
      {
        schema: {
          tags: trunkTags,
          security,
          summary: 'Remove a trunk with its gateways; refused (409) while routes use it, unless force',
          params: params('name'),
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { force: { type: 'boolean', description: 'Remove the routes that use it too.' } },
          },
          response: { 204: { description: 'Removed.', type: 'null' }, ...errorResponses(401, 404, 409) },
        },
      },
      async (request, reply) => {
        const name = request.params.name;
        const removed = await fromStore(() =>
          store.removeTrunk(name, { cascade: request.query.force === true }),
        );
        if (!removed) throw new ApiError(404, 'not-found', `trunk ${name} does not exist`);
        changed();
        return reply.code(204).send();
      },
    );

    app.get<{ Params: NameParams }>(
      '/trunks/:name/gateways',
      {
        schema: {
          tags: trunkTags,
          security,
          summary: "A trunk's gateways",
          params: params('name'),
          response: { 200: { type: 'array', items: ref('Gateway') }, ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        if (!(await store.getTrunk(request.params.name)))
          throw new ApiError(404, 'not-found', `trunk ${request.params.name} does not exist`);
        return (await store.listGateways(request.params.name)).map(gatewayJson);
      },
    );

    app.post<{ Params: NameParams; Body: Omit<NewGateway, 'trunk'> }>(
      '/trunks/:name/gateways',
      {
        schema: {
          tags: trunkTags,
          security,
          summary: 'Add a gateway to a trunk',
          params: params('name'),
          body: ref('NewGateway'),
          response: { 201: ref('Gateway'), ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request, reply) => {
        const added = await fromStore(() =>
          store.addGateway({ ...request.body, trunk: request.params.name }),
        );
        changed();
        return reply.code(201).send(gatewayJson(added));
      },
    );

    const gatewayOf = async ({ name, id }: GatewayParams) => {
      const found = await store.getGateway(id);
      if (!found || found.trunk !== name)
        throw new ApiError(404, 'not-found', `trunk ${name} has no gateway ${id}`);
      return found;
    };

    app.patch<{ Params: GatewayParams; Body: GatewayChanges }>(
      '/trunks/:name/gateways/:id',
      {
        schema: {
          tags: trunkTags,
          security,
          summary: "Change a gateway's settings",
          params: params('name', 'id'),
          body: ref('GatewayChanges'),
          response: { 200: ref('Gateway'), ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request) => {
        await gatewayOf(request.params);
        const updated = await fromStore(() => store.updateGateway(request.params.id, request.body));
        changed();
        return gatewayJson(updated);
      },
    );

    app.delete<{ Params: GatewayParams }>(
      '/trunks/:name/gateways/:id',
      {
        schema: {
          tags: trunkTags,
          security,
          summary: 'Remove a gateway',
          params: params('name', 'id'),
          response: { 204: { description: 'Removed.', type: 'null' }, ...errorResponses(401, 404) },
        },
      },
      async (request, reply) => {
        await gatewayOf(request.params);
        await store.removeGateway(request.params.id);
        changed();
        return reply.code(204).send();
      },
    );

    const routeTags = ['routes'];

    app.get<{ Querystring: { trunk?: string; prefix?: string } }>(
      '/routes',
      {
        schema: {
          tags: routeTags,
          security,
          summary: 'The least-cost routes, by prefix',
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              trunk: { type: 'string', pattern: NAME, description: "Only this trunk's." },
              prefix: {
                type: 'string',
                pattern: '^\\+?[0-9]{0,20}$',
                description: 'Only prefixes starting so.',
              },
            },
          },
          response: { 200: { type: 'array', items: ref('Route') }, ...errorResponses(400, 401) },
        },
      },
      async (request) => (await store.listRoutes(request.query)).map(routeJson),
    );

    app.post<{ Body: NewRoute }>(
      '/routes',
      {
        schema: {
          tags: routeTags,
          security,
          summary: 'Add a route',
          body: ref('NewRoute'),
          response: { 201: ref('Route'), ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request, reply) => {
        const added = await fromStore(() => store.addRoute(request.body));
        changed();
        return reply.code(201).send(routeJson(added));
      },
    );

    app.get<{ Params: IdParams }>(
      '/routes/:id',
      {
        schema: {
          tags: routeTags,
          security,
          summary: 'A route',
          params: params('id'),
          response: { 200: ref('Route'), ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        const found = await store.getRoute(request.params.id);
        if (!found) throw new ApiError(404, 'not-found', `route ${request.params.id} does not exist`);
        return routeJson(found);
      },
    );

    app.patch<{ Params: IdParams; Body: RouteChanges }>(
      '/routes/:id',
      {
        schema: {
          tags: routeTags,
          security,
          summary: "Change a route's priority, price, time bands or state",
          params: params('id'),
          body: ref('RouteChanges'),
          response: { 200: ref('Route'), ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request) => {
        const updated = await fromStore(() => store.updateRoute(request.params.id, request.body));
        changed();
        return routeJson(updated);
      },
    );

    app.delete<{ Params: IdParams }>(
      '/routes/:id',
      {
        schema: {
          tags: routeTags,
          security,
          summary: 'Remove a route',
          params: params('id'),
          response: { 204: { description: 'Removed.', type: 'null' }, ...errorResponses(401, 404) },
        },
      },
      async (request, reply) => {
        if (!(await store.removeRoute(request.params.id)))
          throw new ApiError(404, 'not-found', `route ${request.params.id} does not exist`);
        changed();
        return reply.code(204).send();
      },
    );
  };
}

function trunkJson(trunk: Parameters<typeof withoutSecrets>[0]) {
  const shown = withoutSecrets(trunk);
  return { ...shown, createdAt: shown.createdAt.toISOString() };
}

function gatewayJson<T extends { createdAt: Date }>(gateway: T) {
  return { ...gateway, createdAt: gateway.createdAt.toISOString() };
}

const routeJson = gatewayJson;

/** The store's refusals as API errors: 400 naming the field (`body/inboundCidrs`), 404, 409. */
async function fromStore<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof NotFoundError) throw new ApiError(404, 'not-found', e.message);
    if (e instanceof InvalidInputError) {
      const field = e.field?.replace('.', '/');
      throw new ApiError(400, 'invalid', field ? `body/${field}: ${e.message}` : e.message, field);
    }
    if (e instanceof ConflictError || e instanceof StoreError) throw new ApiError(409, 'conflict', e.message);
    throw e;
  }
}
