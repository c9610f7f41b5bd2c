import { crossChecks } from './cross-checks.js';
import { defaultConfig } from './defaults.js';
import { type Environment, envLayer } from './env-layer.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { fileLayer, type ReadText } from './file-layer.js';
import { type FlagValues, flagLayer } from './flag-layer.js';
import { fixHint, KEYS, keySpec } from './keys.js';
import { setPath } from './paths.js';
import { type Layer, type RawValue, type SourceRef, sourceLabel } from './sources.js';
import type { SwitchboardConfig } from './types.js';

export interface LoadConfigOptions {
  /** Parsed CLI options (commander's `opts()`); `config` names the file. */
  argvFlags?: FlagValues;
  env?: Environment;
  /** The JSON config file; defaults to `argvFlags.config`, then `SWITCHBOARD_CONFIG`. */
  file?: string;
  /** For tests: how the file is read. */
  readText?: ReadText;
}

/** The effective configuration and where each key's value came from. */
export interface ResolvedConfig {
  config: SwitchboardConfig;
  sources: ReadonlyMap<string, SourceRef>;
  file: string | undefined;
}

/** defaults < file < environment < flags; throws a ConfigError listing every problem. */
export function loadConfig(options: LoadConfigOptions): SwitchboardConfig {
  return resolveConfig(options).config;
}

export function resolveConfig(options: LoadConfigOptions): ResolvedConfig {
  const env = options.env ?? {};
  const flags = options.argvFlags ?? {};
  const file = configFilePath(options.file, flags, env);
  const layers: Layer[] = [];
  if (file !== undefined) layers.push(fileLayer(file, options.readText));
  layers.push(envLayer(env), flagLayer(flags));

  const config = defaultConfig();
  const sources = new Map<string, SourceRef>(KEYS.map((spec) => [spec.key, { kind: 'default' }]));
  const problems: ConfigProblem[] = [];
  for (const layer of layers) {
    problems.push(...layer.problems);
    for (const value of layer.values) {
      const problem = apply(config, value);
      if (problem) problems.push(problem);
      else sources.set(value.key, value.from);
    }
  }
  if (problems.length === 0) problems.push(...crossChecks(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return { config, sources, file };
}

function configFilePath(
  explicit: string | undefined,
  flags: FlagValues,
  env: Environment,
): string | undefined {
  const candidates = [explicit, flags['config'], env['SWITCHBOARD_CONFIG']];
  const found = candidates.find((c) => typeof c === 'string' && c.trim() !== '');
  return found as string | undefined;
}

/** Validates one raw value and writes it into the config, or says what is wrong and how to fix it. */
function apply(config: SwitchboardConfig, { key, raw, from }: RawValue): ConfigProblem | undefined {
  const spec = keySpec(key)!;
  // null in the file clears an optional key (e.g. no default route), like leaving it out.
  if (raw === null && spec.optional) {
    setPath(config, key, undefined);
    return undefined;
  }
  const checked = spec.validate(raw);
  if ('value' in checked) {
    setPath(config, key, checked.value);
    return undefined;
  }
  const fix = from.kind === 'file' ? `fix "${key}" there, or ${fixHint(spec)}` : fixHint(spec);
  const where = from.kind === 'file' ? `in ${sourceLabel(from)}` : `from ${sourceLabel(from)}`;
  return { key, message: `${key}: ${checked.error} ${where} (${fix})` };
}
