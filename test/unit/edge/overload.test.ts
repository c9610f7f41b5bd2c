import { describe, expect, it } from 'vitest';
import { OverloadMonitor } from '../../../src/edge/index.js';

describe('OverloadMonitor', () => {
  it('refuses past the live server transaction bound, with the Retry-After seconds', () => {
    const monitor = new OverloadMonitor({
      maxServerTransactions: 100,
      maxEventLoopDelayMs: 0,
      retryAfter: 5,
    });
    expect(monitor.retryAfter({ serverTransactions: 99 })).toBeUndefined();
    expect(monitor.retryAfter({ serverTransactions: 100 })).toBe(5);
    expect(monitor.refused).toEqual({ transactions: 1, 'event-loop': 0 });
  });

  it('refuses while the event loop lags past the threshold', () => {
    let lag = 10;
    const monitor = new OverloadMonitor({
      maxServerTransactions: 0,
      maxEventLoopDelayMs: 200,
      retryAfter: 3,
      eventLoopDelay: () => lag,
    });
    expect(monitor.retryAfter({ serverTransactions: 1_000_000 })).toBeUndefined();
    lag = 250;
    expect(monitor.retryAfter({ serverTransactions: 0 })).toBe(3);
    lag = 150;
    expect(monitor.cause({ serverTransactions: 0 })).toBeUndefined();
    expect(monitor.refused['event-loop']).toBe(1);
  });
});
