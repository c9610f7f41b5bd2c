import type { Reporter } from 'vitest/reporters';

interface TaskLike {
  type: string;
  mode?: string;
  result?: { state?: string };
  tasks?: TaskLike[];
}

/** Prints one plain closing line, `Tests: N passed, N failed, N skipped`, that CI reads. */
export default class SummaryReporter implements Reporter {
  onFinished(files: TaskLike[] = []): void {
    const count = { passed: 0, failed: 0, skipped: 0 };
    const visit = (task: TaskLike): void => {
      if (task.type === 'test') {
        if (task.mode === 'skip' || task.mode === 'todo') count.skipped++;
        else if (task.result?.state === 'pass') count.passed++;
        else if (task.result?.state === 'fail') count.failed++;
        else count.skipped++;
        return;
      }
      for (const child of task.tasks ?? []) visit(child);
    };
    for (const file of files) {
      visit(file);
      // A file that failed to load has no tests but is a failure.
      if (file.result?.state === 'fail' && (file.tasks ?? []).length === 0) count.failed++;
    }
    process.stdout.write(
      `\nTests: ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped\n`,
    );
  }
}
