import { expect } from 'vitest';
import type { ProxyOptions, ProxyProcess } from './proxy-process.js';
import { type SippUas, type SipTransport, startSippUas } from './sipp.js';

export interface ChainOptions {
  /** SIPp binary for the UAS. */
  sipp: string;
  startProxy: (options: ProxyOptions) => Promise<ProxyProcess>;
  transport: SipTransport;
  /** SIPp -lost on the UAS side. */
  uasLost?: number;
}

/**
 * proxy → SIPp UAS: starts both, runs `body` with them, stops both, and (when the body passed)
 * asserts the proxy exited cleanly on SIGTERM (code 0, no SIGKILL needed).
 */
export async function withProxyChain<T>(
  options: ChainOptions,
  body: (proxy: ProxyProcess, uas: SippUas) => Promise<T>,
): Promise<T> {
  const uas = await startSippUas(options.sipp, {
    transport: options.transport,
    ...(options.uasLost === undefined ? {} : { lost: options.uasLost }),
  });
  let proxy: ProxyProcess | undefined;
  try {
    proxy = await options.startProxy({ nextHopPort: uas.port, transport: options.transport });
    const result = await body(proxy, uas);
    const exit = await proxy.stop();
    expect(exit.killed, `${proxy.name} ignored SIGTERM\n${proxy.report()}`).toBe(false);
    expect(exit.code, `${proxy.name} exit code on SIGTERM\n${proxy.report()}`).toBe(0);
    return result;
  } finally {
    await proxy?.stop();
    await uas.stop();
  }
}
