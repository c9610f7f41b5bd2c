import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SqliteProvisioningStore } from '../../../src/store/index.js';
import { type Harness, harness } from './harness.js';

// biome-ignore lint/suspicious/noExplicitAny: the document is untyped JSON walked by path
type Json = Record<string, any>;

const V1_OPERATIONS = [
  ['post', '/v1/recordings'],
  ['get', '/v1/recordings'],
  ['get', '/v1/recordings/{id}'],
  ['delete', '/v1/recordings/{id}'],
  ['post', '/v1/recordings/{id}/stop'],
  ['post', '/v1/recordings/{id}/pause'],
  ['post', '/v1/recordings/{id}/resume'],
  ['get', '/v1/recordings/{id}/metadata'],
  ['get', '/v1/recordings/{id}/audio'],
  ['get', '/v1/recording-policies'],
  ['put', '/v1/recording-policies/{subscriber}'],
  ['delete', '/v1/recording-policies/{subscriber}'],
  ['get', '/v1/subscribers/{subscriber}/features'],
  ['put', '/v1/subscribers/{subscriber}/features'],
  ['delete', '/v1/subscribers/{subscriber}/features'],
  ['get', '/v1/domains/{name}/features'],
  ['put', '/v1/domains/{name}/features'],
  ['delete', '/v1/domains/{name}/features'],
  ['get', '/v1/gateway-health'],
  ['get', '/v1/gateway-health/{id}'],
  ['get', '/v1/trunk-registrations'],
  ['get', '/v1/trunk-registrations/{trunk}'],
  ['get', '/v1/bans'],
  ['post', '/v1/bans'],
  ['get', '/v1/bans/{address}'],
  ['delete', '/v1/bans/{address}'],
  ['get', '/v1/trunks'],
  ['post', '/v1/trunks'],
  ['get', '/v1/trunks/{name}'],
  ['patch', '/v1/trunks/{name}'],
  ['delete', '/v1/trunks/{name}'],
  ['get', '/v1/trunks/{name}/gateways'],
  ['post', '/v1/trunks/{name}/gateways'],
  ['patch', '/v1/trunks/{name}/gateways/{id}'],
  ['delete', '/v1/trunks/{name}/gateways/{id}'],
  ['get', '/v1/routes'],
  ['post', '/v1/routes'],
  ['get', '/v1/routes/{id}'],
  ['patch', '/v1/routes/{id}'],
  ['delete', '/v1/routes/{id}'],
  ['get', '/v1/cdrs'],
  ['get', '/v1/cdrs/{id}'],
  ['get', '/v1/calls'],
  ['get', '/v1/calls/{id}'],
  ['delete', '/v1/calls/{id}'],
] as const;

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** Every `$ref` anywhere in a document. */
function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) refs(item, out);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push(value);
      else refs(value, out);
    }
  }
  return out;
}

describe('GET /openapi.json', () => {
  let h: Harness;
  let doc: Json;
  let store: SqliteProvisioningStore;
  beforeAll(async () => {
    store = await SqliteProvisioningStore.open(':memory:');
    h = await harness({ features: store, trunks: { trunks: store.trunks }, cdrs: store.cdrs });
    const response = await h.app.inject({ url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    doc = response.json();
  });
  afterAll(async () => {
    await h.close();
    await store.close();
  });

  test('is an OpenAPI 3 document in structure', () => {
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info).toMatchObject({ title: 'Switchboard API', version: '0.1.0' });
    expect(typeof doc.paths).toBe('object');
    for (const [path, item] of Object.entries<Json>(doc.paths)) {
      expect(path.startsWith('/'), path).toBe(true);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const [method, operation] of Object.entries<Json>(item)) {
        expect(METHODS.has(method), `${method} ${path}`).toBe(true);
        // Every response has a description (required by OpenAPI 3 §4.8.17).
        expect(Object.keys(operation.responses).length, `${method} ${path}`).toBeGreaterThan(0);
        for (const [status, response] of Object.entries<Json>(operation.responses)) {
          expect(status, `${method} ${path}`).toMatch(/^[1-5]\d\d$|^default$/);
          expect(typeof response.description, `${method} ${path} ${status}`).toBe('string');
        }
        // Every path template variable is a required path parameter.
        const pathParams = (operation.parameters ?? []).filter((p: Json) => p.in === 'path');
        expect(pathParams.map((p: Json) => p.name).sort(), `${method} ${path}`).toEqual(
          [...templated].sort(),
        );
        for (const p of pathParams) expect(p.required).toBe(true);
        for (const requirement of operation.security ?? []) {
          for (const scheme of Object.keys(requirement))
            expect(doc.components.securitySchemes).toHaveProperty(scheme);
        }
      }
    }
    // Every reference resolves inside the document.
    for (const ref of refs(doc)) {
      expect(ref, ref).toMatch(/^#\/components\/schemas\/[A-Za-z]+$/);
      expect(doc.components.schemas, ref).toHaveProperty(ref.split('/').pop()!);
    }
  });

  test('lists every /v1 operation, each secured by Bearer or X-API-Key, and nothing unintended', () => {
    for (const [method, path] of V1_OPERATIONS) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(operation.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
      expect(operation.responses['401'], `${method} ${path}`).toBeDefined();
    }
    const v1 = Object.entries<Json>(doc.paths)
      .filter(([path]) => path.startsWith('/v1'))
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`));
    expect(v1.sort()).toEqual(V1_OPERATIONS.map(([m, p]) => `${m} ${p}`).sort());
    expect(Object.keys(doc.paths).sort()).toEqual(
      ['/health', '/metrics', ...new Set(V1_OPERATIONS.map(([, p]) => p))].sort(),
    );
    expect(doc.paths['/health'].get.security).toBeUndefined();
  });

  test('declares the security schemes', () => {
    expect(doc.components.securitySchemes).toEqual({
      bearerAuth: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' },
      apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'X-API-Key: <API key>' },
    });
  });

  test('carries the request and response schemas', () => {
    const schemas = doc.components.schemas;
    const start = doc.paths['/v1/recordings'].post;
    expect(start.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/StartRecordingRequest',
    });
    expect(schemas.StartRecordingRequest).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: ['callId'],
    });
    expect(schemas.StartRecordingRequest.properties.streamUrl.pattern).toContain('://');
    expect(start.responses['201'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/RecordingSummary',
    });
    expect(schemas.RecordingSummary.required).toEqual(
      expect.arrayContaining(['id', 'callId', 'source', 'status', 'startedAt', 'legs', 'stored']),
    );
    expect(start.responses['400'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Error',
    });

    const list = doc.paths['/v1/recordings'].get;
    const limit = list.parameters.find((p: Json) => p.name === 'limit');
    expect(limit).toMatchObject({
      in: 'query',
      schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    });
    expect(list.parameters.map((p: Json) => p.name).sort()).toEqual(['callId', 'limit', 'offset', 'status']);

    const audio = doc.paths['/v1/recordings/{id}/audio'].get;
    expect(Object.keys(audio.responses['200'].content).sort()).toEqual([
      'application/vnd.tcpdump.pcap',
      'audio/wav',
    ]);
    expect(audio.responses['206']).toBeDefined();
    expect(audio.responses['416']).toBeDefined();

    const put = doc.paths['/v1/recording-policies/{subscriber}'].put;
    expect(put.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/RecordingPolicyRequest',
    });
    expect(Object.keys(put.responses)).toEqual(expect.arrayContaining(['200', '201', '400', '401']));
    expect(doc.paths['/metrics'].get.responses['200'].content).toHaveProperty('text/plain');
  });
});
