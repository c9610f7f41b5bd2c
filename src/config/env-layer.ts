import { KEYS } from './keys.js';
import type { Layer, RawValue } from './sources.js';
import { fromText } from './text.js';

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * `SWITCHBOARD_*` variables for known keys. Empty ones count as unset (as compose files often
 * pass them); other SWITCHBOARD_* names are left alone, since tests and tools use some.
 */
export function envLayer(env: Environment): Layer {
  const values: RawValue[] = [];
  for (const spec of KEYS) {
    const text = env[spec.env];
    if (text === undefined || text.trim() === '') continue;
    values.push({ key: spec.key, raw: fromText(spec.text, text), from: { kind: 'env', name: spec.env } });
  }
  return { values, problems: [] };
}
