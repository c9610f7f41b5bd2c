import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nativeTlsModule, nativeUdpModule } from '../../../src/native/index.js';

const udp = nativeUdpModule();
const tls = nativeTlsModule();
const openDescriptors = () => readdirSync('/proc/self/fd').length;

describe.skipIf(udp === undefined || tls === undefined)('native handles', () => {
  it('refuses a callback that is not a function with a TypeError, leaking no descriptor', () => {
    const before = openDescriptors();
    for (let i = 0; i < 50; i++)
      expect(() => udp!.createReceiver('not a function' as never, 0)).toThrow(TypeError);
    expect(openDescriptors()).toBe(before);
  });

  it('refuses each module the other kind of handle with a TypeError instead of misreading it', () => {
    const [receiver] = udp!.createReceiver(() => {}, 0);
    const session = (tls as unknown as { createClientSession(): unknown }).createClientSession();
    try {
      expect(() => udp!.add(session, 0, 1)).toThrow(TypeError);
      expect(() => udp!.remove({}, 0)).toThrow(TypeError);
      expect(() => udp!.keepAlive(42, true)).toThrow(TypeError);
      expect(() => tls!.protocol(receiver)).toThrow(TypeError);
      expect(() => tls!.free(receiver)).toThrow(TypeError);
      expect(() => tls!.createSession(session)).toThrow(TypeError);
      expect(tls!.protocol(session)).toMatch(/TLS|unknown/);
    } finally {
      udp!.destroyReceiver(receiver);
      tls!.free(session);
    }
  });

  it('answers EBADF for a destroyed receiver, after its handles have closed', async () => {
    const [receiver] = udp!.createReceiver(() => {}, 0);
    udp!.destroyReceiver(receiver);
    await new Promise((resolve) => setImmediate(resolve));
    expect(udp!.add(receiver, 0, 1)).toBe(-(udp!.errno.EBADF ?? 9));
    expect(udp!.remove(receiver, 0)).toBe(-(udp!.errno.EBADF ?? 9));
    udp!.destroyReceiver(receiver);
  });
});
