import { ConfigError, type ResolvedConfig, resolveConfig } from '../config/index.js';
import { EXIT_USAGE } from './exit-codes.js';
import type { CliIo } from './io.js';

/**
 * Resolves the configuration from a command's options and the environment. On problems it prints
 * each one on its own line to stderr, ends with exit code 2 and returns undefined.
 */
export function loadOrReport(flags: Record<string, unknown>, io: CliIo): ResolvedConfig | undefined {
  try {
    return resolveConfig({ argvFlags: flags, env: io.env });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const line of e.lines()) io.stderr(`${line}\n`);
    io.exit(EXIT_USAGE);
    return undefined;
  }
}
