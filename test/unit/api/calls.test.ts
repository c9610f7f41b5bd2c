import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CallControl } from '../../../src/api/index.js';
import type { LiveCall } from '../../../src/b2bua/index.js';
import { errorOf, type Harness, harness } from './harness.js';

const ID = '3f2a6c1e-4b0d-4c55-9d1e-2f3a4b5c6d7e';
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** A B2BUA stand-in holding one answered call; hang-ups are recorded. */
class FakeCalls implements CallControl {
  readonly hungUp: string[] = [];
  calls: LiveCall[] = [
    {
      id: ID,
      caller: 'sip:alice@example.com',
      callee: 'sip:+4930123@example.com',
      state: 'answered',
      setupAt: T0,
      ringingAt: T0 + 1000,
      answerAt: T0 + 3000,
      trunk: 'carrier-out',
      mediaRelay: 'rtpengine',
      legs: [
        { side: 'caller', callId: 'a84b4c76e66710@198.51.100.7', state: 'confirmed' },
        { side: 'callee', callId: '9f1c2d3e-b2bua', state: 'confirmed' },
      ],
    },
  ];
  list = () => this.calls;
  get = (id: string) => this.calls.find((c) => c.id === id);
  hangUp = (id: string) => {
    const call = this.get(id);
    if (call) this.hungUp.push(id);
    return call;
  };
}

describe('/v1/calls', () => {
  let h: Harness;
  const calls = new FakeCalls();
  beforeAll(async () => {
    h = await harness({ calls });
  });
  afterAll(() => h.close());

  test('needs an API key', async () => {
    expect((await h.app.inject({ url: '/v1/calls' })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'DELETE', url: `/v1/calls/${ID}` })).statusCode).toBe(401);
    expect(calls.hungUp).toEqual([]);
  });

  test('lists the calls in progress with their legs, times in ISO 8601', async () => {
    const response = await h.call({ url: '/v1/calls' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual([
      {
        id: ID,
        caller: 'sip:alice@example.com',
        callee: 'sip:+4930123@example.com',
        state: 'answered',
        setupAt: '2026-01-01T12:00:00.000Z',
        ringingAt: '2026-01-01T12:00:01.000Z',
        answerAt: '2026-01-01T12:00:03.000Z',
        trunk: 'carrier-out',
        mediaRelay: 'rtpengine',
        legs: [
          { side: 'caller', callId: 'a84b4c76e66710@198.51.100.7', state: 'confirmed' },
          { side: 'callee', callId: '9f1c2d3e-b2bua', state: 'confirmed' },
        ],
      },
    ]);
    const one = await h.call({ url: `/v1/calls/${ID.toUpperCase()}` });
    expect(one.statusCode).toBe(200);
    expect(one.json().id).toBe(ID);
  });

  test('an unknown id is 404 saying where ended calls are; a malformed one is 400 naming the field', async () => {
    const unknown = await h.call({ url: '/v1/calls/00000000-0000-4000-8000-000000000000' });
    expect(unknown.statusCode).toBe(404);
    expect(errorOf(unknown)).toEqual({
      code: 'not-found',
      message:
        'no call 00000000-0000-4000-8000-000000000000 in progress on this node (ended calls: GET /v1/cdrs/00000000-0000-4000-8000-000000000000)',
      field: 'id',
    });
    const gone = await h.call({ method: 'DELETE', url: '/v1/calls/00000000-0000-4000-8000-000000000000' });
    expect(gone.statusCode).toBe(404);
    const bad = await h.call({ method: 'DELETE', url: '/v1/calls/not-a-call' });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad).message).toContain('must be a call id (a UUID, as GET /v1/calls lists them)');
    expect(errorOf(bad).field).toBe('id');
    expect(calls.hungUp).toEqual([]);
  });

  test('DELETE hangs the call up: 202 with the call as it stood', async () => {
    const response = await h.call({ method: 'DELETE', url: `/v1/calls/${ID}` });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ id: ID, state: 'answered' });
    expect(calls.hungUp).toEqual([ID]);
  });
});

describe('/v1/calls on a node whose B2BUA is off', () => {
  test('lists nothing and says why a call is unknown', async () => {
    const h = await harness();
    try {
      expect((await h.call({ url: '/v1/calls' })).json()).toEqual([]);
      const response = await h.call({ method: 'DELETE', url: `/v1/calls/${ID}` });
      expect(response.statusCode).toBe(404);
      expect(errorOf(response).message).toBe(
        `no call ${ID}: this node's B2BUA is off (b2bua.mode off), it holds no calls`,
      );
    } finally {
      await h.close();
    }
  });
});
