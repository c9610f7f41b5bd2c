import { type Command, Option } from 'commander';
import { KEYS } from '../../config/index.js';

// The keys that say where provisioning data lives; every store command takes them.
const STORE_KEYS = ['dataDir', 'store.url'];

/** Adds `--config`, `--data-dir` and `--store-url` (with their environment variables) to a command. */
export function addStoreOptions(command: Command): Command {
  command.option('--config <file>', 'JSON configuration file [env SWITCHBOARD_CONFIG]');
  for (const spec of KEYS) {
    if (!STORE_KEYS.includes(spec.key) || !spec.flag) continue;
    command.addOption(
      new Option(`${spec.flag} ${spec.flagArg ?? '<value>'}`, `${spec.description} [env ${spec.env}]`),
    );
  }
  return command;
}

/** Adds `--json`, for scripts. */
export function addJsonOption(command: Command): Command {
  return command.option('--json', 'print JSON instead of a table, for scripts');
}
