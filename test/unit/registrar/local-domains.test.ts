import { describe, expect, it } from 'vitest';
import { LocalDomains } from '../../../src/registrar/index.js';

describe('LocalDomains', () => {
  it('asks the store once for the requests arriving while it answers, then answers at once', async () => {
    let t = 0;
    let asked = 0;
    const store = {
      async hasDomain(name: string) {
        asked++;
        await new Promise((r) => setTimeout(r, 5));
        return name === 'example.com';
      },
    };
    const domains = new LocalDomains(store, 5000, 100, () => t);
    expect(domains.cached('example.com')).toBeUndefined();
    const answers = await Promise.all([1, 2, 3].map(() => domains.has('EXAMPLE.com')));
    expect(answers).toEqual([true, true, true]);
    expect(asked).toBe(1);
    expect(domains.cached('example.com')).toBe(true);
    expect(await domains.has('other.org')).toBe(false);
    expect(domains.cached('other.org')).toBe(false);
    t = 5001;
    expect(domains.cached('example.com')).toBeUndefined();
    await domains.has('example.com');
    expect(asked).toBe(3);
  });
});
