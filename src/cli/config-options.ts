import { type Command, Option } from 'commander';
import { defaultConfig, getPath, KEYS, type KeySpec } from '../config/index.js';

/** A default as an operator would type it. */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'none';
  if (Array.isArray(value)) return value.length === 0 ? '(empty)' : value.join(',');
  return String(value);
}

// Repeated list flags accumulate (`--domain a --domain b`); config parsing splits commas.
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function flagOption(spec: KeySpec, defaults: object): Option {
  const help = `${spec.description} [env ${spec.env}; default ${formatValue(getPath(defaults, spec.key))}]`;
  const option = new Option(`${spec.flag} ${spec.flagArg ?? '<value>'}`, help);
  // No commander default: a default here would look like a flag and hide the environment.
  return spec.text === 'list' ? option.argParser(collect) : option;
}

/** Adds `--config` and every configuration flag, so each command resolves config the same way. */
export function addConfigOptions(command: Command): Command {
  const defaults = defaultConfig();
  command.option('--config <file>', 'JSON configuration file [env SWITCHBOARD_CONFIG]');
  for (const spec of KEYS) if (spec.flag) command.addOption(flagOption(spec, defaults));
  return command;
}
