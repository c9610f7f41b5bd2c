import type { FastifyInstance } from 'fastify';
import {
  type CallFeatureRepository,
  type CallFeatures,
  type DomainFeatures,
  InvalidInputError,
  NotFoundError,
  type ProvisioningStore,
  StoreError,
} from '../../store/index.js';
import { SECURITY_REQUIREMENT } from '../auth.js';
import { ApiError } from '../errors.js';
import { domainParamsSchema, errorResponses, ref, subscriberParamsSchema } from '../schemas.js';

/** What the feature resources need: the features and whether a subscriber or domain exists. */
export interface FeatureProvisioning {
  features: CallFeatureRepository;
  getSubscriber: ProvisioningStore['getSubscriber'];
  hasDomain: ProvisioningStore['hasDomain'];
}

interface SubscriberParams {
  subscriber: string;
}
interface DomainParams {
  name: string;
}

/**
 * /v1/subscribers/{aor}/features and /v1/domains/{name}/features: call forwarding, barring,
 * anonymous call rejection and CLIR per subscriber, and the defaults (and numbering plan) of a
 * domain. PUT replaces the whole document (what it leaves out follows the domain default).
 */
export function featureRoutes(store: FeatureProvisioning) {
  return async (app: FastifyInstance): Promise<void> => {
    const tags = ['call features'];
    const security = SECURITY_REQUIREMENT;

    const subscriberView = async (username: string, domain: string) => ({
      subscriber: `${username}@${domain}`,
      features: (await store.features.getSubscriberFeatures(username, domain))?.features ?? {},
      effective: await store.features.effectiveFeatures(username, domain),
    });
    const requireSubscriber = async (aor: string) => {
      const { username, domain } = split(aor);
      if (!(await store.getSubscriber(username, domain)))
        throw new ApiError(404, 'not-found', `subscriber ${username}@${domain} does not exist`);
      return { username, domain };
    };

    app.get<{ Params: SubscriberParams }>(
      '/subscribers/:subscriber/features',
      {
        schema: {
          tags,
          security,
          summary: "A subscriber's call features, and what applies with the domain defaults",
          params: subscriberParamsSchema,
          response: { 200: ref('SubscriberFeaturesView'), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const { username, domain } = await requireSubscriber(request.params.subscriber);
        return subscriberView(username, domain);
      },
    );

    app.put<{ Params: SubscriberParams; Body: CallFeatures }>(
      '/subscribers/:subscriber/features',
      {
        schema: {
          tags,
          security,
          summary: "Replace a subscriber's call features (settings left out follow the domain default)",
          params: subscriberParamsSchema,
          body: ref('CallFeatures'),
          response: { 200: ref('SubscriberFeaturesView'), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const { username, domain } = split(request.params.subscriber);
        await fromStore(() => store.features.replaceSubscriberFeatures(username, domain, request.body));
        return subscriberView(username, domain);
      },
    );

    app.delete<{ Params: SubscriberParams }>(
      '/subscribers/:subscriber/features',
      {
        schema: {
          tags,
          security,
          summary: "Clear a subscriber's call features (the domain defaults apply)",
          params: subscriberParamsSchema,
          response: { 204: { description: 'Cleared.', type: 'null' }, ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) => {
        const { username, domain } = await requireSubscriber(request.params.subscriber);
        if (!(await store.features.removeSubscriberFeatures(username, domain)))
          throw new ApiError(404, 'not-found', `${username}@${domain} has no call features`);
        return reply.code(204).send();
      },
    );

    const requireDomain = async (name: string) => {
      const domain = name.toLowerCase();
      if (!(await store.hasDomain(domain)))
        throw new ApiError(404, 'not-found', `domain ${domain} does not exist`);
      return domain;
    };
    const domainView = async (domain: string) => ({
      domain,
      features: (await store.features.getDomainFeatures(domain))?.features ?? {},
    });

    app.get<{ Params: DomainParams }>(
      '/domains/:name/features',
      {
        schema: {
          tags,
          security,
          summary: "A domain's feature defaults and numbering plan",
          params: domainParamsSchema,
          response: { 200: ref('DomainFeaturesView'), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => domainView(await requireDomain(request.params.name)),
    );

    app.put<{ Params: DomainParams; Body: DomainFeatures }>(
      '/domains/:name/features',
      {
        schema: {
          tags,
          security,
          summary: "Replace a domain's feature defaults and numbering plan",
          params: domainParamsSchema,
          body: ref('DomainFeatures'),
          response: { 200: ref('DomainFeaturesView'), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const domain = request.params.name.toLowerCase();
        await fromStore(() => store.features.replaceDomainFeatures(domain, request.body));
        return domainView(domain);
      },
    );

    app.delete<{ Params: DomainParams }>(
      '/domains/:name/features',
      {
        schema: {
          tags,
          security,
          summary: "Clear a domain's feature defaults and numbering plan",
          params: domainParamsSchema,
          response: { 204: { description: 'Cleared.', type: 'null' }, ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) => {
        const domain = await requireDomain(request.params.name);
        if (!(await store.features.removeDomainFeatures(domain)))
          throw new ApiError(404, 'not-found', `domain ${domain} has no feature defaults`);
        return reply.code(204).send();
      },
    );
  };
}

function split(aor: string): { username: string; domain: string } {
  const at = aor.lastIndexOf('@');
  return { username: aor.slice(0, at), domain: aor.slice(at + 1).toLowerCase() };
}

/** The store's refusals as API errors, naming the field (`body/forwardBusy`). */
async function fromStore<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof NotFoundError) throw new ApiError(404, 'not-found', e.message);
    if (e instanceof InvalidInputError) {
      const field = e.field;
      throw new ApiError(
        400,
        'invalid',
        field ? e.message.replace(field, `body/${field}`) : e.message,
        field,
      );
    }
    if (e instanceof StoreError) throw new ApiError(409, 'conflict', e.message);
    throw e;
  }
}
