import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/index.js';
import { FakeIo, fakeDeps } from './fake-io.js';

const GiB = 2 ** 30;
const args = ['start', '--sip-listen', '127.0.0.1', '--sip-transports', 'udp'];

describe('switchboard start: the V8 heap', () => {
  it('sets the heap growing factor on the running process and relaunches nothing by default', async () => {
    const io = new FakeIo();
    const fake = fakeDeps();
    await runCli(args, io, fake.deps);
    expect(fake.heapGrowth).toEqual([20]);
    expect(fake.relaunches).toEqual([]);
    expect(fake.started).toHaveLength(1);
  });

  it('takes the growth from the configuration', async () => {
    const io = new FakeIo({ SWITCHBOARD_MEMORY_HEAP_GROWTH: '25' });
    const fake = fakeDeps();
    await runCli(args, io, fake.deps);
    expect(fake.heapGrowth).toEqual([25]);
  });

  it('relaunches with --heap-limit and ends with the child exit code, starting nothing itself', async () => {
    const io = new FakeIo();
    const fake = fakeDeps();
    await runCli([...args, '--heap-limit', '256'], io, fake.deps);
    expect(fake.relaunches).toEqual([256]);
    expect(io.code).toBe(0);
    expect(fake.started).toEqual([]);
  });

  it('in a container, takes three quarters of the cgroup memory limit', async () => {
    const fake = fakeDeps({ heapRuntime: { cgroupLimit: 1 * GiB } });
    await runCli(args, new FakeIo(), fake.deps);
    expect(fake.relaunches).toEqual([768]);
  });

  it("leaves an operator's own --max-old-space-size alone, and a relaunched node does not relaunch", async () => {
    const operator = fakeDeps({ heapRuntime: { explicitLimit: 512, cgroupLimit: GiB } });
    await runCli(args, new FakeIo(), operator.deps);
    expect(operator.relaunches).toEqual([]);
    expect(operator.started).toHaveLength(1);

    const child = fakeDeps({ heapRuntime: { cgroupLimit: GiB } });
    await runCli(args, new FakeIo({ SWITCHBOARD_HEAP_LIMIT_APPLIED: '768' }), child.deps);
    expect(child.relaunches).toEqual([]);
    expect(child.started).toHaveLength(1);
  });

  it('refuses a heap limit below 64 MiB, naming the key and the fix', async () => {
    const io = new FakeIo();
    const fake = fakeDeps();
    await runCli([...args, '--heap-limit', '16'], io, fake.deps);
    expect(io.code).toBe(2);
    expect(io.err).toContain('memory.heapLimit: expected an integer 64-1048576, got 16 from --heap-limit');
    expect(fake.relaunches).toEqual([]);
  });
});
