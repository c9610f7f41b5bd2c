import { KEYS } from './keys.js';
import type { Layer, RawValue } from './sources.js';
import { fromText } from './text.js';

/** Option values as commander hands them over: its camelCase attribute name to text (or repeated texts). */
export type FlagValues = Readonly<Record<string, unknown>>;

/** Commander's attribute for a long flag: `--sip-port` → `sipPort`. */
export function flagAttribute(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

export function flagLayer(flags: FlagValues): Layer {
  const values: RawValue[] = [];
  for (const spec of KEYS) {
    if (!spec.flag) continue;
    const given = flags[flagAttribute(spec.flag)];
    if (given === undefined) continue;
    const text = Array.isArray(given) ? given.map(String) : String(given);
    values.push({ key: spec.key, raw: fromText(spec.text, text), from: { kind: 'flag', name: spec.flag } });
  }
  return { values, problems: [] };
}
