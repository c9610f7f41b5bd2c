import type { ConfigProblem } from './errors.js';

/** Where a value came from, for error messages and `switchboard config show`. */
export type SourceRef =
  | { kind: 'default' }
  | { kind: 'file'; path: string }
  | { kind: 'env'; name: string }
  | { kind: 'flag'; name: string };

/** A raw value for one key, before validation. */
export interface RawValue {
  key: string;
  raw: unknown;
  from: SourceRef;
}

/** What one source (file, environment, flags) contributes, and what was wrong with it as a whole. */
export interface Layer {
  values: RawValue[];
  problems: ConfigProblem[];
}

export function sourceLabel(from: SourceRef): string {
  switch (from.kind) {
    case 'default':
      return 'default';
    case 'file':
      return from.path;
    case 'env':
    case 'flag':
      return from.name;
  }
}
