import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../../src/registrar/index.js';

describe('KeyedLock', () => {
  it('runs a task that completes at once at once, holding nothing', () => {
    const lock = new KeyedLock();
    expect(lock.run('a', () => 1)).toBe(1);
    expect(lock.size).toBe(0);
    expect(() =>
      lock.run('a', () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(lock.size).toBe(0);
  });

  it('runs the tasks of one key one at a time, in order, through failures', async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    let release!: () => void;
    const first = lock.run('a', async () => {
      order.push('first starts');
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      order.push('first ends');
      throw new Error('first failed');
    });
    // Queued behind the first, even though it would complete at once.
    const second = lock.run('a', () => {
      order.push('second');
      return 2;
    });
    const other = lock.run('b', () => 'b');
    expect(other).toBe('b');
    expect(second).toBeInstanceOf(Promise);
    expect(lock.size).toBe(1);
    release();
    await expect(first).rejects.toThrow('first failed');
    expect(await second).toBe(2);
    expect(order).toEqual(['first starts', 'first ends', 'second']);
    expect(lock.size).toBe(0);
  });
});
