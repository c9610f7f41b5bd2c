import { readFileSync } from 'node:fs';
import type { ConfigProblem } from './errors.js';
import { KEYS, keySpec, SECTIONS } from './keys.js';
import type { Layer, RawValue } from './sources.js';
import { closestMatch } from './suggest.js';
import { show } from './validators.js';

const KNOWN_NAMES = [...KEYS.map((spec) => spec.key), ...SECTIONS];
const FIX_PATH = 'set --config or SWITCHBOARD_CONFIG to a readable JSON file';

export type ReadText = (path: string) => string;

/** Reads the JSON config file into raw values; unknown keys are problems, with a suggestion. */
export function fileLayer(path: string, readText: ReadText = (p) => readFileSync(p, 'utf8')): Layer {
  const problems: ConfigProblem[] = [];
  let text: string;
  try {
    text = readText(path);
  } catch (e) {
    problems.push({
      key: path,
      message: `config file ${path}: cannot read it (${(e as Error).message}; ${FIX_PATH})`,
    });
    return { values: [], problems };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    problems.push({ key: path, message: `config file ${path}: not valid JSON (${(e as Error).message})` });
    return { values: [], problems };
  }
  if (!isObject(parsed)) {
    problems.push({ key: path, message: `config file ${path}: expected a JSON object, got ${show(parsed)}` });
    return { values: [], problems };
  }
  const values: RawValue[] = [];
  walk(parsed, '', path, values, problems);
  return { values, problems };
}

function walk(
  node: Record<string, unknown>,
  prefix: string,
  path: string,
  values: RawValue[],
  problems: ConfigProblem[],
) {
  for (const [name, raw] of Object.entries(node)) {
    const key = prefix + name;
    if (keySpec(key)) {
      values.push({ key, raw, from: { kind: 'file', path } });
    } else if (SECTIONS.has(key)) {
      if (isObject(raw)) walk(raw, `${key}.`, path, values, problems);
      else
        problems.push({
          key,
          message: `${key}: expected an object of ${key}.* keys in ${path}, got ${show(raw)}`,
        });
    } else {
      problems.push({ key, message: `${key}: unknown key in ${path} (${unknownHint(key, prefix)})` });
    }
  }
}

function unknownHint(key: string, prefix: string): string {
  const match = closestMatch(key, KNOWN_NAMES);
  if (match) return `did you mean "${match}"?`;
  const siblings = KNOWN_NAMES.filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes('.'));
  return `known keys here: ${siblings.join(', ')}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
