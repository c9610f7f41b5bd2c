import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/interop/repo.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** ../shared/bench beside the repository, or $SWITCHBOARD_SHARED_BENCH. */
export function sharedBenchDir(): string {
  return process.env['SWITCHBOARD_SHARED_BENCH'] ?? resolve(repoRoot, '..', 'shared', 'bench');
}

/** The built CLI the interop tests start (`npm run build` makes it). */
export const switchboardEntry = join(repoRoot, 'dist', 'cli', 'main.js');

export function switchboardBuilt(): boolean {
  return existsSync(switchboardEntry);
}
