import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SqliteProvisioningStore } from '../../../src/store/index.js';
import { errorOf, type Harness, harness } from './harness.js';

describe('/v1/cdrs', () => {
  let h: Harness;
  let store: SqliteProvisioningStore;
  beforeAll(async () => {
    store = await SqliteProvisioningStore.open(':memory:');
    for (let n = 1; n <= 3; n++) {
      await store.cdrs.addCdr({
        id: `call-${n}`,
        callerCallId: `a-${n}`,
        calleeCallId: `b-${n}`,
        caller: 'sip:alice@example.com',
        callee: n === 3 ? 'sip:carol@example.com' : 'sip:bob@example.com',
        trunk: n === 2 ? 'carrier' : undefined,
        setupAt: new Date(Date.UTC(2026, 0, 1, 12, 0, n)),
        answerAt: new Date(Date.UTC(2026, 0, 1, 12, 0, n + 1)),
        endAt: new Date(Date.UTC(2026, 0, 1, 12, 1, 0)),
        duration: 60 - n,
        billableSeconds: 59 - n,
        status: 200,
        cause: 16,
        hangup: 'caller',
        disposition: 'answered',
      });
    }
    h = await harness({ cdrs: store.cdrs });
  });
  afterAll(async () => {
    await h.close();
    await store.close();
  });

  test('needs an API key', async () => {
    expect((await h.app.inject({ url: '/v1/cdrs' })).statusCode).toBe(401);
  });

  test('lists newest first, a page at a time, with the cursor to the next', async () => {
    const first = await h.call({ url: '/v1/cdrs?limit=2' });
    expect(first.statusCode).toBe(200);
    const body = first.json();
    expect(body.cdrs.map((c: { id: string }) => c.id)).toEqual(['call-3', 'call-2']);
    expect(body.cdrs[1]).toMatchObject({
      trunk: 'carrier',
      setupAt: '2026-01-01T12:00:02.000Z',
      answerAt: '2026-01-01T12:00:03.000Z',
      billableSeconds: 57,
      disposition: 'answered',
    });
    const second = (await h.call({ url: `/v1/cdrs?limit=2&after=${body.next}` })).json();
    expect(second.cdrs.map((c: { id: string }) => c.id)).toEqual(['call-1']);
    expect(second.next).toBeUndefined();
  });

  test('filters by callee, trunk and setup time', async () => {
    const carol = (await h.call({ url: '/v1/cdrs?callee=sip:carol@example.com' })).json();
    expect(carol.cdrs.map((c: { id: string }) => c.id)).toEqual(['call-3']);
    const trunk = (await h.call({ url: '/v1/cdrs?trunk=carrier' })).json();
    expect(trunk.cdrs.map((c: { id: string }) => c.id)).toEqual(['call-2']);
    const window = (
      await h.call({ url: '/v1/cdrs?from=2026-01-01T12:00:02Z&to=2026-01-01T12:00:03Z' })
    ).json();
    expect(window.cdrs.map((c: { id: string }) => c.id)).toEqual(['call-2']);
  });

  test('refuses bad filters precisely', async () => {
    const badDisposition = await h.call({ url: '/v1/cdrs?disposition=maybe' });
    expect(badDisposition.statusCode).toBe(400);
    expect(errorOf(badDisposition).message).toMatch(/disposition/);
    const badCursor = await h.call({ url: '/v1/cdrs?after=nonsense' });
    expect(badCursor.statusCode).toBe(400);
    expect(errorOf(badCursor).message).toMatch(/after/);
    expect((await h.call({ url: '/v1/cdrs?limit=0' })).statusCode).toBe(400);
    expect((await h.call({ url: '/v1/cdrs?from=yesterday' })).statusCode).toBe(400);
  });

  test('one CDR by id, 404 for an unknown one', async () => {
    const one = await h.call({ url: '/v1/cdrs/call-1' });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id: 'call-1', callerCallId: 'a-1', hangup: 'caller' });
    expect((await h.call({ url: '/v1/cdrs/call-9' })).statusCode).toBe(404);
  });
});
