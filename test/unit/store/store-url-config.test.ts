import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ env });
  } catch (e) {
    if (e instanceof ConfigError) return e.lines();
    throw e;
  }
  return [];
}

describe('store.url configuration', () => {
  it('is unset by default (SQLite in dataDir)', () => {
    expect(loadConfig({}).store?.url).toBeUndefined();
  });

  it('takes a postgres:// or postgresql:// URL from the environment or --store-url', () => {
    expect(loadConfig({ env: { SWITCHBOARD_STORE_URL: 'postgres://sb@db:5432/sb' } }).store?.url).toBe(
      'postgres://sb@db:5432/sb',
    );
    expect(loadConfig({ argvFlags: { storeUrl: 'postgresql://db/sb' } }).store?.url).toBe(
      'postgresql://db/sb',
    );
  });

  it('accepts an empty value in the file, meaning SQLite', () => {
    const config = loadConfig({ file: 'sb.json', readText: () => JSON.stringify({ store: { url: '' } }) });
    expect(config.store?.url).toBe('');
  });

  it('rejects other URLs without echoing a password', () => {
    const lines = problems({ SWITCHBOARD_STORE_URL: 'mysql://root:topsecret@db/sb' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^store\.url: expected empty \(SQLite in dataDir\) or a URL such as postgres:\/\//,
    );
    expect(lines[0]).toContain('from SWITCHBOARD_STORE_URL (set SWITCHBOARD_STORE_URL or --store-url)');
    expect(lines[0]).not.toContain('topsecret');
  });
});
