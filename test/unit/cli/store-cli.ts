import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/index.js';
import { FakeIo, fakeDeps } from './fake-io.js';

/** Runs store commands in-process against a throwaway data directory (SQLite). */
export class StoreCli {
  readonly dir = mkdtempSync(join(tmpdir(), 'sb-cli-store-'));

  constructor(private readonly extra: string[] = ['--data-dir', this.dir]) {}

  async run(...argv: string[]): Promise<FakeIo> {
    const io = new FakeIo();
    await runCli([...argv, ...this.extra], io, fakeDeps().deps);
    return io;
  }

  /** Runs and expects exit 0, returning stdout. */
  async ok(...argv: string[]): Promise<string> {
    const io = await this.run(...argv);
    if (io.code !== 0) throw new Error(`${argv.join(' ')} exited ${io.code}: ${io.err}`);
    return io.out;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Table rows split into cells (columns are two or more spaces apart). */
export function cells(out: string): string[][] {
  return out
    .trimEnd()
    .split('\n')
    .map((line) => line.split(/\s{2,}/));
}
