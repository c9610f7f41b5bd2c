import { Ajv, type ErrorObject, type Options } from 'ajv';
import { default as addFormats } from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { ApiError } from './errors.js';
import { PATTERN_WORDS } from './schemas.js';

/** The minimal shape of one ajv error that the translation reads. */
type AjvError = Pick<ErrorObject, 'keyword' | 'instancePath' | 'params' | 'message'>;

// Ajv as Fastify configures it, except: additionalProperties:false rejects instead of silently
// stripping (removeAdditional), and bodies are never coerced ("1" is not a number in JSON) while
// the query string and path parameters, which are text by nature, are.
const BASE: Options = { removeAdditional: false, useDefaults: true, allErrors: false, coerceTypes: false };

/**
 * A Fastify validator compiler with two Ajv instances: strict typing for bodies, coercion for the
 * query string, parameters and headers. `schemas` are the shared ones the routes $ref.
 */
export function createValidatorCompiler(schemas: readonly object[]): FastifySchemaCompiler<unknown> {
  const strict = new Ajv(BASE);
  const coercing = new Ajv({ ...BASE, coerceTypes: 'array' });
  for (const ajv of [strict, coercing]) {
    addFormats.default(ajv);
    for (const schema of schemas) ajv.addSchema(schema);
  }
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object);
}

const PART_NAMES: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
};

const ARTICLES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
  null: 'null',
};

/** JSON Pointer (RFC 6901) segments of an instance path, unescaped. */
function segments(instancePath: string): string[] {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function phrase(error: AjvError): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not allowed';
    case 'type': {
      const types = String(p.type).split(',');
      return `must be ${types.map((t) => ARTICLES[t] ?? t).join(' or ')}`;
    }
    case 'minLength':
      return p.limit === 1 ? 'must be a non-empty string' : `must be at least ${p.limit} characters long`;
    case 'maxLength':
      return `must be at most ${p.limit} characters long`;
    case 'minimum':
      return `must be >= ${p.limit}`;
    case 'maximum':
      return `must be <= ${p.limit}`;
    case 'minItems':
      return `must have at least ${p.limit} item${p.limit === 1 ? '' : 's'}`;
    case 'maxItems':
      return `must have at most ${p.limit} items`;
    case 'uniqueItems':
      return 'must not repeat an item';
    case 'enum':
      return `must be one of: ${(p.allowedValues as unknown[]).join(', ')}`;
    case 'pattern':
      return PATTERN_WORDS.get(String(p.pattern)) ?? `must match ${p.pattern}`;
    case 'format':
      return `must be a valid ${p.format}`;
    default:
      return error.message ?? 'is invalid';
  }
}

/**
 * Turns Fastify's validation failure (the first ajv error: allErrors is off so that a hostile body
 * cannot make ajv enumerate thousands of errors) into `{ code: 'invalid', message, field }`, with
 * `field` the path of the offending value inside its part (`callId`, `fromTags/0`).
 */
export function fromValidationErrors(errors: readonly AjvError[], part: string | undefined): ApiError {
  const partName = PART_NAMES[part ?? ''] ?? part ?? 'request';
  const first = errors[0];
  if (!first) return new ApiError(400, 'invalid', `${partName} is invalid`);
  const path = segments(first.instancePath);
  const p = first.params as Record<string, unknown>;
  if (first.keyword === 'required') path.push(String(p.missingProperty));
  if (first.keyword === 'additionalProperties') path.push(String(p.additionalProperty));
  const field = path.length > 0 ? path.join('/') : undefined;
  const subject = field ? `${partName}/${field}` : partName;
  return new ApiError(400, 'invalid', `${subject} ${phrase(first)}`, field);
}
