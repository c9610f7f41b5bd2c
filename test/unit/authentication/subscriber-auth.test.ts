import { beforeEach, describe, expect, it } from 'vitest';
import { SubscriberAuth } from '../../../src/authentication/index.js';
import { answerChallenge } from '../../../src/sip/auth/index.js';
import type { SipRequest } from '../../../src/sip/message/index.js';
import {
  newAuthenticator,
  provisionedStore,
  registerRequest,
  routedRequest,
  TestClock,
} from '../registrar/fakes.js';

const invite = () => routedRequest();

describe('SubscriberAuth: the one digest check of the registrar and the proxy', () => {
  let auth: SubscriberAuth;
  const claim = (user: string) => ({ realm: 'example.com', user, source: '192.0.2.10' });

  beforeEach(async () => {
    auth = new SubscriberAuth(await provisionedStore(), newAuthenticator(new TestClock().now));
  });

  async function answered(request: SipRequest, username: string, password: string): Promise<SipRequest> {
    const challenge = (await auth.check(request, claim(username)))!;
    const registering = request.method === 'REGISTER';
    const values = challenge.getAll(registering ? 'www-authenticate' : 'proxy-authenticate');
    const answer = answerChallenge(values, {
      username,
      password,
      method: request.method,
      uri: request.uriText,
    });
    request.append(registering ? 'Authorization' : 'Proxy-Authorization', answer);
    return request;
  }

  it('challenges REGISTER as a registrar (401) and other requests as a proxy (407)', async () => {
    const registerChallenge = await auth.check(registerRequest(), claim('alice'));
    expect(registerChallenge?.status).toBe(401);
    expect(registerChallenge?.getAll('www-authenticate')[0]).toContain('realm="example.com"');
    const inviteChallenge = await auth.check(invite(), claim('alice'));
    expect(inviteChallenge?.status).toBe(407);
    expect(inviteChallenge?.getAll('proxy-authenticate')[0]).toContain('realm="example.com"');
  });

  it('accepts the claimed subscriber, and refuses another subscriber naming the header it contradicts', async () => {
    expect(await auth.check(await answered(invite(), 'alice', 'alice-pw'), claim('alice'))).toBeUndefined();
    const asBob = await auth.check(await answered(invite(), 'bob', 'bob-pw'), claim('alice'));
    expect([asBob?.status, asBob?.reason]).toEqual([403, 'Forbidden (credentials do not match From)']);
    const register = await auth.check(await answered(registerRequest(), 'bob', 'bob-pw'), claim('alice'));
    expect([register?.status, register?.reason]).toEqual([403, 'Forbidden (credentials do not match To)']);
  });

  it('refuses a wrong password with 403', async () => {
    expect((await auth.check(await answered(invite(), 'alice', 'nope'), claim('alice')))?.status).toBe(403);
  });
});
