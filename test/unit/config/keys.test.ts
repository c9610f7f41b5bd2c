import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultConfig, getPath, KEYS } from '../../../src/config/index.js';

describe('the key table', () => {
  it('names environment variables SWITCHBOARD_ + the key in SNAKE_CASE', () => {
    for (const spec of KEYS) {
      const snake = spec.key
        .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
        .replace(/\./g, '_')
        .toUpperCase();
      expect(spec.env).toBe(`SWITCHBOARD_${snake}`);
    }
  });

  it('has defaults that pass their own validation', () => {
    const defaults = defaultConfig();
    for (const spec of KEYS) {
      const value = getPath(defaults, spec.key);
      if (value === undefined) expect(spec.optional).toBe(true);
      else expect(spec.validate(value)).toEqual({ value });
    }
  });

  it('is documented key by key in docs/configuration.md', () => {
    const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    for (const spec of KEYS) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${spec.key}\` |`));
      expect(row, spec.key).toBeDefined();
      expect(row).toContain(`\`${spec.env}\``);
      if (spec.flag) expect(row).toContain(`\`${spec.flag}`);
    }
  });
});
