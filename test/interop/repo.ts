import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/interop/repo.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The benchmarks' yardstick files (Kamailio configs, SIPp drivers), kept in the repository. */
export const yardstickDir = join(repoRoot, 'bench', 'yardstick');

/** The built CLI the interop tests start (`npm run build` makes it). */
export const switchboardEntry = join(repoRoot, 'dist', 'cli', 'main.js');

export function switchboardBuilt(): boolean {
  return existsSync(switchboardEntry);
}
