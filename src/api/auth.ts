import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

/** Who an API key belongs to. */
export interface ApiKeyIdentity {
  id: string;
  name: string;
}

/** Looks a presented key up (the store keeps only hashes); undefined when it is unknown or revoked. */
export type ApiKeyVerifier = (key: string) => Promise<ApiKeyIdentity | undefined>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The key the request was authenticated with; set on every /v1 request that got through. */
    apiKey?: ApiKeyIdentity;
  }
}

/** Longer than any key we issue; bounds the work a hostile header can cause in the verifier. */
const MAX_KEY_LENGTH = 512;

/** The OpenAPI security schemes the document declares, and the requirement /v1 routes carry. */
export const SECURITY_SCHEMES = {
  bearerAuth: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' },
  apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'X-API-Key: <API key>' },
} as const;
export const SECURITY_REQUIREMENT: { [scheme: string]: string[] }[] = [
  { bearerAuth: [] },
  { apiKeyHeader: [] },
];

/**
 * The key a request presents: `Authorization: Bearer <key>` (RFC 6750 §2.1, scheme name
 * case-insensitive per RFC 9110 §11.1) or else `X-API-Key: <key>`.
 */
export function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (match) return match[1];
  }
  const header = request.headers['x-api-key'];
  const value = Array.isArray(header) ? header[0] : header;
  const key = value?.trim();
  return key ? key : undefined;
}

/**
 * An onRequest hook that lets a request through only with a known key. The challenge follows
 * RFC 6750 §3: no error attribute when no credentials came, `invalid_token` when they were wrong.
 */
export function requireApiKey(verify: ApiKeyVerifier, realm = 'switchboard') {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const key = presentedKey(request);
    if (key === undefined) {
      reply.header('WWW-Authenticate', `Bearer realm="${realm}"`);
      throw new ApiError(401, 'unauthorized', 'an API key is required (Authorization: Bearer or X-API-Key)');
    }
    const identity = key.length <= MAX_KEY_LENGTH ? await verify(key) : undefined;
    if (!identity) {
      reply.header('WWW-Authenticate', `Bearer realm="${realm}", error="invalid_token"`);
      throw new ApiError(401, 'unauthorized', 'the API key is not valid');
    }
    request.apiKey = identity;
  };
}
