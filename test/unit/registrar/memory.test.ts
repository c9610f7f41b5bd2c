import { describe, expect, it } from 'vitest';
import type { RequestAuthenticator } from '../../../src/authentication/index.js';
import { MemoryLocationService } from '../../../src/location/index.js';
import { Registrar } from '../../../src/registrar/index.js';
import type { SipRequest } from '../../../src/sip/message/index.js';
import { collectGarbage, FakeStore, phone, registerRequest, TestClock } from './fakes.js';

/** Accepts everyone as the To user: this test measures bindings, not digest. */
const trusting: RequestAuthenticator = {
  challenge: () => ({ status: 401, header: 'WWW-Authenticate', values: [] }),
  verify: async (request: SipRequest) => ({
    result: 'ok',
    credentials: {
      username: request.to.uri.kind === 'sip' ? request.to.uri.user! : '',
      realm: 'example.com',
      nonce: 'n',
      uri: request.uriText,
      response: 'r',
      algorithm: 'MD5',
    },
  }),
};

describe('registrar memory', () => {
  it('keeps bindings small: nothing of the REGISTER stays referenced', async () => {
    const clock = new TestClock();
    const store = new FakeStore();
    await store.addDomain('example.com');
    const location = new MemoryLocationService({ now: clock.now, sweepIntervalMs: 0 });
    const registrar = new Registrar({ store, location, authenticator: trusting, now: clock.now });
    const n = 20_000;
    const padding = 'x'.repeat(1500);
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < n; i++) {
      const request = registerRequest({
        user: `user${i}`,
        callId: `${i}-a84b4c76e66710@pc33.example.com`,
        contacts: [
          `<sip:user${i}@10.0.${(i >> 8) & 255}.${i & 255}:5060;transport=udp>;+sip.instance="<urn:uuid:${i}>";reg-id=1`,
        ],
        // A big header: if any stored string still points into the message, it shows.
        extra: ['User-Agent: Yealink SIP-T46S 66.86.0.15', `X-Padding: ${padding}`],
      });
      const response = await registrar.process(request, phone);
      if (response.status !== 200) throw new Error(`status ${response.status}`);
    }
    collectGarbage();
    const perBinding = (process.memoryUsage().heapUsed - before) / n;
    expect(location.size).toBe(n);
    // About 800 bytes each; strings still pointing into the ~2 KB messages made it about 3 KB.
    expect(perBinding).toBeLessThan(1200);
  }, 60_000);
});
