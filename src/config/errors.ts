/** One thing wrong with the configuration; `key` is the dotted key (or the file, for file-level problems). */
export interface ConfigProblem {
  key: string;
  message: string;
}

/** Every problem found while loading, so the operator fixes them all in one go. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }

  /** One line per problem, as printed by the CLI. */
  lines(): string[] {
    return this.problems.map((p) => p.message);
  }
}
