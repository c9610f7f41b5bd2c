import { type ChildProcess, spawn } from 'node:child_process';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const TAIL_CHARS = 8_000;

/** A child process whose stdout/stderr tails are kept for failure messages. */
export class Child {
  readonly process: ChildProcess;
  readonly exited: Promise<ExitInfo>;
  private exit: ExitInfo | undefined;
  private out = '';
  private err = '';
  private lineWaiters: Array<{ match: (line: string) => boolean; resolve: (line: string) => void }> = [];
  private partial = { out: '', err: '' };

  constructor(
    readonly name: string,
    command: string,
    args: readonly string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
  ) {
    this.process = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.out = (this.out + chunk).slice(-TAIL_CHARS);
      this.scanLines('out', chunk);
    });
    this.process.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.err = (this.err + chunk).slice(-TAIL_CHARS);
      this.scanLines('err', chunk);
    });
    this.exited = new Promise((resolve) => {
      this.process.once('error', (error) => {
        this.err += `\nspawn error: ${error.message}`;
        this.exit ??= { code: null, signal: null };
        resolve(this.exit);
      });
      this.process.once('exit', (code, signal) => {
        this.exit ??= { code, signal };
        resolve(this.exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  get stdoutTail(): string {
    return this.out;
  }

  get stderrTail(): string {
    return this.err;
  }

  /** Both tails and the exit status, for an assertion message. */
  report(): string {
    const status = this.exit ? `exited code=${this.exit.code} signal=${this.exit.signal}` : 'running';
    return `${this.name} (pid ${this.pid}, ${status})\n--- stdout tail ---\n${this.out.slice(-2000)}\n--- stderr tail ---\n${this.err.slice(-2000)}`;
  }

  /** Resolves with the first output line (stdout or stderr, kept tail included) that matches. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number): Promise<string> {
    const seen = [...this.out.split('\n'), ...this.err.split('\n')].find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (line: string) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        this.lineWaiters = this.lineWaiters.filter((w) => w !== waiter);
        reject(new Error(`no matching output line within ${timeoutMs} ms\n${this.report()}`));
      }, timeoutMs);
      this.lineWaiters.push(waiter);
      void this.exited.then(() => {
        if (!this.lineWaiters.includes(waiter)) return;
        this.lineWaiters = this.lineWaiters.filter((w) => w !== waiter);
        clearTimeout(timer);
        reject(new Error(`exited before the expected output line\n${this.report()}`));
      });
    });
  }

  /** SIGTERM, then SIGKILL after graceMs; resolves with how it ended. */
  async stop(graceMs = 5_000): Promise<ExitInfo & { killed: boolean }> {
    if (!this.alive) return { ...(await this.exited), killed: false };
    this.process.kill('SIGTERM');
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      this.process.kill('SIGKILL');
    }, graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return { ...exit, killed };
  }

  private scanLines(stream: 'out' | 'err', chunk: string): void {
    const lines = (this.partial[stream] + chunk).split('\n');
    this.partial[stream] = (lines.pop() ?? '').slice(-TAIL_CHARS);
    if (this.lineWaiters.length === 0) return;
    for (const line of lines) {
      for (const waiter of [...this.lineWaiters]) {
        if (!waiter.match(line)) continue;
        this.lineWaiters = this.lineWaiters.filter((w) => w !== waiter);
        waiter.resolve(line);
      }
    }
  }
}
