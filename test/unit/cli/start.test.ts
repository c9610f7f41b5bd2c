import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/index.js';
import { FakeIo, fakeDeps } from './fake-io.js';

describe('switchboard start', () => {
  it('a bad flag value exits 2, names the key and starts nothing', async () => {
    const io = new FakeIo();
    const fake = fakeDeps();
    await runCli(['start', '--sip-port', 'abc'], io, fake.deps);
    expect(io.code).toBe(2);
    expect(io.err).toBe(
      'sip.port: expected an integer 1-65535, got "abc" from --sip-port (set SWITCHBOARD_SIP_PORT or --sip-port)\n',
    );
    expect(fake.started).toEqual([]);
  });

  it('prints every config problem, one per line', async () => {
    const io = new FakeIo({ SWITCHBOARD_LOG_LEVEL: 'loud' });
    await runCli(['start', '--proxy-mode', 'fast', '--default-route', 'http://x'], io, fakeDeps().deps);
    expect(io.code).toBe(2);
    expect(
      io.err
        .trimEnd()
        .split('\n')
        .map((l) => l.split(':')[0]),
    ).toEqual(['logLevel', 'proxy.defaultRoute', 'proxy.mode']);
  });

  it('starts the node with the layered config, reports its endpoints and keeps running', async () => {
    const io = new FakeIo({ SWITCHBOARD_SIP_TRANSPORTS: 'udp,tcp' });
    const fake = fakeDeps();
    await runCli(
      ['start', '--sip-port', '5070', '--sip-listen', '127.0.0.1', '--default-route', 'sip:127.0.0.1:5080'],
      io,
      fake.deps,
    );
    expect(io.code).toBeUndefined();
    expect(fake.started).toHaveLength(1);
    expect(fake.started[0]!.sip).toMatchObject({
      port: 5070,
      listen: ['127.0.0.1'],
      transports: ['udp', 'tcp'],
    });
    expect(fake.started[0]!.proxy.defaultRoute).toBe('sip:127.0.0.1:5080');
    expect(io.err).toBe('listening on udp 127.0.0.1:5070\nlistening on tcp 127.0.0.1:5070\n');
  });

  it('brackets IPv6 endpoints', async () => {
    const io = new FakeIo();
    await runCli(['start', '--sip-listen', '::1', '--sip-transports', 'udp'], io, fakeDeps().deps);
    expect(io.err).toBe('listening on udp [::1]:5060\n');
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('%s stops the node and exits 0', async (signal) => {
    const io = new FakeIo();
    const fake = fakeDeps();
    await runCli(['start', '--sip-port', '5070'], io, fake.deps);
    io.signal(signal);
    expect(await io.exitedWith).toBe(0);
    expect(fake.stops()).toBe(1);
  });

  it('a second signal while stopping exits 1 at once', async () => {
    const io = new FakeIo();
    const fake = fakeDeps({ stop: () => new Promise(() => {}) });
    await runCli(['start'], io, fake.deps);
    io.signal('SIGTERM');
    io.signal('SIGINT');
    expect(await io.exitedWith).toBe(1);
    expect(io.err).toContain('SIGINT again while stopping');
    expect(fake.stops()).toBe(1);
  });

  it('a signal during startup stops the node once it is up, exit 0', async () => {
    const io = new FakeIo();
    let up!: () => void;
    const fake = fakeDeps({ startup: new Promise((resolve) => (up = resolve)) });
    const running = runCli(['start'], io, fake.deps);
    await new Promise((resolve) => setImmediate(resolve));
    io.signal('SIGTERM');
    expect(fake.stops()).toBe(0);
    up();
    await running;
    expect(await io.exitedWith).toBe(0);
    expect(fake.stops()).toBe(1);
  });

  it('a node that cannot listen exits 1 with a hint', async () => {
    const taken = Object.assign(new Error('listen EADDRINUSE: address already in use 0.0.0.0:5060'), {
      code: 'EADDRINUSE',
    });
    const io = new FakeIo();
    await runCli(['start'], io, fakeDeps({ failWith: taken }).deps);
    expect(io.code).toBe(1);
    expect(io.err).toContain('error: could not start the node: listen EADDRINUSE');
    expect(io.err).toContain('choose another port with --sip-port');
  });
});
