import { ConfigError, type LoadConfigOptions, loadConfig } from '../../../src/config/index.js';

/** The problem lines loadConfig throws for these options (fails the test if it does not throw). */
export function problemsOf(options: LoadConfigOptions): string[] {
  try {
    loadConfig(options);
  } catch (e) {
    if (e instanceof ConfigError) return e.lines();
    throw e;
  }
  throw new Error('expected a ConfigError');
}

/** Reads files from a map instead of the disk. */
export function files(contents: Record<string, unknown>): (path: string) => string {
  return (path) => {
    const content = contents[path];
    if (content === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
    return typeof content === 'string' ? content : JSON.stringify(content);
  };
}
